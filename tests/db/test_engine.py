"""How many connections a process opens: the pool and its overflow are settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from payam.config import Settings
from payam.db.engine import engine_for


@pytest.mark.parametrize(
    ("size", "overflow", "expected"),
    [(None, None, (10, 20)), (5, None, (5, 0)), (5, 3, (5, 3)), (None, 0, (10, 0))],
)
async def test_pool_size_and_overflow_follow_the_settings(
    size: int | None, overflow: int | None, expected: tuple[int, int]
) -> None:
    settings = Settings(
        database_url="postgresql+asyncpg://payam@127.0.0.1:5432/never_connected",
        database_pool_size=size,
        database_pool_overflow=overflow,
    )
    engine = engine_for(settings)
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == expected  # type: ignore[attr-defined]
    finally:
        await engine.dispose()


async def test_sqlite_keeps_one_connection_whatever_the_overflow(tmp_path: Path) -> None:
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{tmp_path}/payam.db", database_pool_overflow=10
    )
    engine = engine_for(settings)
    try:
        pool = engine.sync_engine.pool
        assert (pool.size(), pool._max_overflow) == (1, 0)  # type: ignore[attr-defined]
    finally:
        await engine.dispose()
