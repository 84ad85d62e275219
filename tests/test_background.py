"""``payam worker``'s process: what it does before its loop."""

from __future__ import annotations

import gc

import pytest

from payam import background
from payam.config import Settings


def test_a_worker_freezes_what_start_up_made(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Full collections then skip the start-up's objects: walking them made paced turns late
    (up to 0.25 s a collection with 1,000 numbers)."""
    frozen_at_loop_start: list[int] = []

    async def the_loop(_settings: Settings) -> None:
        frozen_at_loop_start.append(gc.get_freeze_count())

    # The loop itself is the dispatcher's, tested with real worker processes elsewhere.
    monkeypatch.setattr(background, "_worker_main", the_loop)
    gc.collect()
    alive_before_start = len(gc.get_objects())
    try:
        background.run_worker(settings)
    finally:
        gc.unfreeze()

    assert frozen_at_loop_start[0] > 0.9 * alive_before_start
