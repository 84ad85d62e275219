"""How large a drill runs: small in the normal suite (and so in .ci/run), larger under
``make drills``, which sets ``PAYAM_DRILLS=1`` and also runs the long drills."""

from __future__ import annotations

import os

import pytest

FULL = os.environ.get("PAYAM_DRILLS") == "1"
# Only make drills runs these: they take minutes, or wait for the clock.
long_drill = pytest.mark.skipif(not FULL, reason="a long drill: make drills runs it")


def drill_size(*, short: int, full: int) -> int:
    """``short`` in the normal suite, ``full`` under ``make drills``."""
    return full if FULL else short
