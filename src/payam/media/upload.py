"""Attachments received as they stream in: typed by their first bytes, held to their kind's limit.

The multipart body is read as it arrives (``payam.kit.multipart``) and the file goes to a staged
file through the content inspector:

- a body larger than the largest limit is refused before, or as soon as, it passes that limit;
- once the first bytes are in, the file's kind is known and so is its limit (a 6 MB "image" stops
  at 5 MB), and a format WhatsApp does not take is refused there and then.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

import anyio.to_thread
from fastapi import Request

from payam.config import Settings
from payam.kit.multipart import MultipartFile
from payam.media.errors import MediaTooLarge
from payam.media.sniff import ContentInspector, Detected
from payam.media.storage import MediaStorage, StagedFile
from payam.models import MediaKind

MAX_FILENAME_LENGTH = 255

_KIND_NAMES = {
    MediaKind.IMAGE: "An image",
    MediaKind.VIDEO: "A video",
    MediaKind.AUDIO: "An audio file",
    MediaKind.DOCUMENT: "A document",
}
# Every type an attachment is stored (and later served) as, with the extension it is saved under.
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "video/mp4": "mp4",
    "video/3gpp": "3gp",
    "audio/mpeg": "mp3",
    "audio/ogg": "ogg",
    "audio/aac": "aac",
    "audio/mp4": "m4a",
    "audio/amr": "amr",
    "application/pdf": "pdf",
    "application/msword": "doc",
    "application/vnd.ms-excel": "xls",
    "application/vnd.ms-powerpoint": "ppt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "pptx",
    "text/plain": "txt",
}


def size_limit(kind: MediaKind, settings: Settings) -> int:
    return {
        MediaKind.IMAGE: settings.media_max_image_bytes,
        MediaKind.VIDEO: settings.media_max_video_bytes,
        MediaKind.AUDIO: settings.media_max_audio_bytes,
        MediaKind.DOCUMENT: settings.media_max_document_bytes,
    }[kind]


def largest_limit(settings: Settings) -> int:
    return max(size_limit(kind, settings) for kind in MediaKind)


def human_size(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale and size % scale == 0:
            return f"{size // scale} {unit}"
    if size >= 1024**2:
        return f"{size / 1024**2:.1f} MB"
    return f"{size:,} bytes"


@dataclass(slots=True)
class ReceivedUpload:
    """An accepted upload, staged on disk: keep it with ``MediaStorage.keep`` or discard it."""

    staged: StagedFile
    detected: Detected
    filename: str
    storage_key: str | None = None  # set once kept

    @property
    def size_bytes(self) -> int:
        return self.staged.size_bytes

    @property
    def sha256(self) -> str:
        return self.staged.sha256


def sanitize_filename(raw: str | None, *, mime_type: str) -> str:
    """A name safe to store and to show: no path, no control or bidi tricks, at most 255."""
    name = unicodedata.normalize("NFC", raw or "")
    # Browsers on Windows once sent whole paths; either separator ends the directory part.
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters go, bidi overrides among them ("photo\u202egnp.exe" shows
    # as "photoexe.png"); ZWNJ stays, Persian words need it.
    name = "".join(
        char for char in name if char == "\u200c" or unicodedata.category(char)[0] != "C"
    )
    # No hidden files, no "..", no trailing dots Windows would drop.
    name = name.strip().strip(".").strip()
    extension = EXTENSIONS.get(mime_type, "bin")
    if not name:
        return f"attachment.{extension}"
    if len(name) > MAX_FILENAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        if dot and stem and len(suffix) <= 16:
            name = stem[: MAX_FILENAME_LENGTH - len(suffix) - 1].rstrip() + "." + suffix
        else:
            name = name[:MAX_FILENAME_LENGTH]
    return name


async def receive_upload(
    request: Request, *, storage: MediaStorage, settings: Settings
) -> ReceivedUpload:
    """Stream the multipart field ``file`` to a staged file, checking its type and size.

    Raises InvalidInput, UnsupportedMedia or MediaTooLarge; the staged file is gone if it does.
    """
    largest = limit = largest_limit(settings)
    upload = MultipartFile(
        request, max_file_bytes=largest, too_large=lambda: _too_large(None, largest)
    )
    kind: MediaKind | None = None
    inspector = ContentInspector()
    staged = await anyio.to_thread.run_sync(storage.stage)
    try:
        async for data in upload.chunks():
            inspector.feed(data)
            if kind is None and (inspector.head_complete or upload.finished):
                # The first bytes say what the file is: refuse a foreign format now, and hold
                # the file to its own kind's limit from here on.
                kind = inspector.early_kind()
                limit = size_limit(kind, settings)
            if staged.size_bytes + len(data) > limit:
                raise _too_large(kind, limit)
            await anyio.to_thread.run_sync(staged.write, data)
        staged.close()
        detected = await anyio.to_thread.run_sync(inspector.finish, staged.path)
        return ReceivedUpload(
            staged=staged,
            detected=detected,
            filename=sanitize_filename(upload.filename, mime_type=detected.mime_type),
        )
    except BaseException:
        # Refused, broken or abandoned by the client: nothing of it stays on disk.
        staged.discard()
        raise


def _too_large(kind: MediaKind | None, limit: int) -> MediaTooLarge:
    subject = _KIND_NAMES[kind] if kind is not None else "A file"
    return MediaTooLarge(f"{subject} can be at most {human_size(limit)}")
