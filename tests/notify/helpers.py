"""Settings for tests that ignore the developer's ``.env`` and ``PAYAM_`` environment."""

from __future__ import annotations

from typing import Any

from payam.config import Settings


def make_settings(**overrides: Any) -> Settings:
    return Settings(_env_file=None, **overrides)
