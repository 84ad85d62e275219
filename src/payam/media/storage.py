"""Attachment bytes on disk under ``{data_dir}/media``: staged while they arrive, then kept.

An upload is written to ``.incoming/`` first and renamed into place only once it is accepted, so a
refused or interrupted upload leaves nothing among the kept files, and a kept file is always whole
(a rename within one file system is atomic). Kept files are named by a random key, never by the
client's file name: ``ab/ab12…ef``, two hex digits of fan-out so no directory grows huge.

These methods block (file I/O); call them through ``anyio.to_thread`` from async code.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from pathlib import Path
from typing import BinaryIO

from payam.config import Settings
from payam.kit.files import MEDIA_DIR

MEDIA_DIR_NAME = MEDIA_DIR
_INCOMING_DIR_NAME = ".incoming"
_KEY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{32}")


class StagedFile:
    """An upload being written: it hashes and counts what it writes."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # "xb": never reuse or follow an existing path.
        self._file: BinaryIO | None = path.open("xb")
        self._hash = hashlib.sha256()
        self.size_bytes = 0

    @property
    def sha256(self) -> str:
        return self._hash.hexdigest()

    def write(self, data: bytes) -> None:
        assert self._file is not None, "the staged file is closed"
        self._file.write(data)
        self._hash.update(data)
        self.size_bytes += len(data)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def discard(self) -> None:
        """Close and delete; harmless if already kept (moved away) or discarded."""
        self.close()
        self.path.unlink(missing_ok=True)


class MediaStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming = root / _INCOMING_DIR_NAME

    @classmethod
    def for_settings(cls, settings: Settings) -> MediaStorage:
        return cls(settings.data_dir / MEDIA_DIR_NAME)

    def stage(self) -> StagedFile:
        self.incoming.mkdir(parents=True, exist_ok=True)
        return StagedFile(self.incoming / f"{uuid.uuid4().hex}.part")

    def keep(self, staged: StagedFile) -> str:
        """Move a finished upload into place; returns its storage key."""
        staged.close()
        name = uuid.uuid4().hex
        key = f"{name[:2]}/{name}"
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged.path, target)
        return key

    def path_of(self, key: str) -> Path:
        # Keys come from our own database, but a path is built from them: check the shape anyway.
        if not _KEY.fullmatch(key):
            raise ValueError(f"not a media storage key: {key!r}")
        return self.root / key

    def delete(self, key: str) -> None:
        self.path_of(key).unlink(missing_ok=True)

    def sweep_incoming(self, *, older_than_seconds: float, now: float | None = None) -> int:
        """Delete staged uploads a crashed process left behind; returns how many went.

        A live upload writes to its staged file continuously, so one untouched for longer than
        any upload could stall is an orphan. For a periodic job or start-up.
        """
        if not self.incoming.is_dir():
            return 0
        cutoff = (time.time() if now is None else now) - older_than_seconds
        removed = 0
        for path in self.incoming.glob("*.part"):
            try:
                if path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:
                continue  # finished or discarded meanwhile
        return removed

    def kept_keys(self, *, modified_before: float) -> list[str]:
        """The keys of kept files last written before ``modified_before`` (a POSIX time)."""
        if not self.root.is_dir():
            return []
        keys = []
        for path in self.root.glob("[0-9a-f][0-9a-f]/*"):
            key = f"{path.parent.name}/{path.name}"
            if not _KEY.fullmatch(key):
                continue
            try:
                if path.stat().st_mtime <= modified_before:
                    keys.append(key)
            except FileNotFoundError:
                continue
        return keys

    def read_verified(self, key: str, *, sha256: str) -> bytes | None:
        """The file's bytes if they still hash to ``sha256``; None if missing or changed."""
        try:
            content = self.path_of(key).read_bytes()
        except FileNotFoundError:
            return None
        if hashlib.sha256(content).hexdigest() != sha256:
            return None
        return content
