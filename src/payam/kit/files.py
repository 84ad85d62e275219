"""The data folder (``PAYAM_DATA_DIR``): where each feature keeps its files, and removing them.

Each feature owns one directory under the data folder; the database names what is in it (a
row's ``storage_key``), and a file no row names is removed after ``PAYAM_FILE_GRACE_HOURS`` by
the housekeeping pass (``payam.background``). Removing is idempotent: a file already gone (another
worker's pass got there first) is not an error.

These functions block (file I/O), but for ``remove_import_files``; call them through
``anyio.to_thread`` from async code.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import anyio.to_thread
import structlog

logger = structlog.get_logger(__name__)

IMPORTS_DIR = "imports"  # one directory per import: the source, then rejected.csv
MEDIA_DIR = "media"  # attachments, and .incoming/ for uploads still arriving


def import_directory(data_dir: Path, storage_key: str) -> Path:
    """The directory holding an import's files, from its ``storage_key`` (``imports/<random>/…``).

    Raises ValueError for a key that does not name a file in its own directory under imports.
    """
    root = (data_dir / IMPORTS_DIR).resolve()
    path = (data_dir / storage_key).resolve()
    if path.parent.parent != root:
        raise ValueError(f"storage key {storage_key!r} is not an import's file")
    return path.parent


def remove_directory(path: Path) -> None:
    """Remove a directory and everything in it; nothing happens if it is gone already."""
    shutil.rmtree(path, ignore_errors=True)


async def remove_import_files(data_dir: Path, storage_keys: Sequence[str]) -> None:
    """Remove the directories of the imports stored under ``storage_keys`` (after the commit
    that deleted their rows: a rolled-back delete must still find its files)."""

    def remove() -> None:
        for key in storage_keys:
            try:
                remove_directory(import_directory(data_dir, key))
            except ValueError:
                logger.warning("import_storage_key_refused", key=key)

    await anyio.to_thread.run_sync(remove)


def last_modified(path: Path) -> float | None:
    """The newest modification time of ``path`` and, for a directory, of what it holds directly.

    A file being written is touched with every block, so a directory whose upload is still
    arriving looks young however long ago it was made. None when ``path`` is gone.
    """
    try:
        newest = path.stat().st_mtime
    except FileNotFoundError:
        return None
    if path.is_dir():
        for entry in path.iterdir():
            try:
                newest = max(newest, entry.stat().st_mtime)
            except FileNotFoundError:
                continue
    return newest
