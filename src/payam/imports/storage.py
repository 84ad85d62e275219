"""Where uploads live: ``{data_dir}/imports/<random>/``, holding the source and rejected.csv.

Each import gets its own directory, so a refused upload is removed by removing one directory, and
a random name, so that nothing a client sends (its file name) ever becomes part of a path.
"""

from __future__ import annotations

import secrets
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import anyio.to_thread

from payam.imports.parsing import FileFormat, UnreadableFile, human_size
from payam.kit.files import IMPORTS_DIR, import_directory, remove_directory

SOURCE_STEM = "source"
REJECTED_FILE = "rejected.csv"
HEAD_BYTES = 8192  # enough to tell a format by its first bytes
WRITE_BLOCK_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ReceivedFile:
    directory: Path
    path: Path
    size: int
    head: bytes


class ImportStorage:
    def __init__(self, data_dir: Path) -> None:
        self.root = (data_dir / IMPORTS_DIR).resolve()

    def path(self, storage_key: str) -> Path:
        path = (self.root.parent / storage_key).resolve()
        if not path.is_relative_to(self.root):
            raise ValueError(f"storage key {storage_key!r} is outside the imports directory")
        return path

    def key(self, path: Path) -> str:
        return path.relative_to(self.root.parent).as_posix()

    def rejected_path(self, storage_key: str) -> Path:
        return self.path(storage_key).with_name(REJECTED_FILE)

    async def receive(self, chunks: AsyncIterator[bytes], *, max_bytes: int) -> ReceivedFile:
        """Write ``chunks`` to a new directory, refusing more than ``max_bytes`` as they come.

        Writes go through a thread in blocks of about 1 MiB: the event loop never waits on the
        disk, and memory holds at most one block.
        """
        directory = self.root / secrets.token_hex(16)
        await anyio.to_thread.run_sync(lambda: directory.mkdir(parents=True))
        path = directory / "upload.part"
        handle: BinaryIO = await anyio.to_thread.run_sync(path.open, "wb")
        size, head = 0, b""
        try:
            block: list[bytes] = []
            buffered = 0
            async for chunk in chunks:
                size += len(chunk)
                if size > max_bytes:
                    raise UnreadableFile(
                        f"the upload is larger than {human_size(max_bytes)}", too_large=True
                    )
                if len(head) < HEAD_BYTES:
                    head += chunk[: HEAD_BYTES - len(head)]
                block.append(chunk)
                buffered += len(chunk)
                if buffered >= WRITE_BLOCK_BYTES:
                    data = b"".join(block)
                    block.clear()
                    buffered = 0
                    await anyio.to_thread.run_sync(handle.write, data)
            if block:
                await anyio.to_thread.run_sync(handle.write, b"".join(block))
        except BaseException:
            handle.close()
            await self.remove_directory(directory)
            raise
        await anyio.to_thread.run_sync(handle.close)
        return ReceivedFile(directory=directory, path=path, size=size, head=head)

    def place(self, received: ReceivedFile, file_format: FileFormat) -> Path:
        """Give the upload its final name; calamine tells formats apart by the extension."""
        final = received.directory / f"{SOURCE_STEM}.{file_format.extension}"
        received.path.rename(final)
        return final

    async def remove_directory(self, directory: Path) -> None:
        # Only directories this class made (root / random name) are ever removed.
        if directory.parent == self.root:
            await anyio.to_thread.run_sync(lambda: shutil.rmtree(directory, ignore_errors=True))

    async def remove_source(self, storage_key: str) -> None:
        await anyio.to_thread.run_sync(lambda: self.path(storage_key).unlink(missing_ok=True))

    # --- housekeeping (blocking: call through anyio.to_thread) ---------------------------------

    def directories(self) -> list[Path]:
        """Every import's directory on disk, finished, unfinished or owned by nothing."""
        if not self.root.is_dir():
            return []
        return [path for path in self.root.iterdir() if path.is_dir()]

    def source_keys(self, directory: Path) -> list[str]:
        """The storage keys an import row in ``directory`` can have, one per format."""
        return [self.key(directory / f"{SOURCE_STEM}.{f.extension}") for f in FileFormat]

    def remove_import(self, storage_key: str) -> None:
        """Remove an import's directory (its source and rejected.csv); idempotent."""
        remove_directory(import_directory(self.root.parent, storage_key))
