"""Time in one place: always timezone-aware UTC, so SQLite, MariaDB and PostgreSQL agree."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC)
