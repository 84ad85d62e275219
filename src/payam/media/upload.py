"""Uploads read straight from the request stream: never whole in memory, refused early.

FastAPI's ``UploadFile`` would have the whole body parsed and spooled before the endpoint runs, so
a 2 GB "image" would be read to the end before being refused. Here the multipart body is parsed
as it arrives: the file part goes to a staged file through the content inspector, and

- a declared ``Content-Length`` beyond the largest limit is refused before a byte is read;
- once the first bytes are in, the file's kind is known and so is its limit (a 6 MB "image" stops
  at 5 MB), and a format WhatsApp does not take is refused there and then;
- other form fields are ignored and bounded.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import anyio.to_thread
from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect

from payam.config import Settings
from payam.kit.errors import InvalidInput
from payam.media.errors import MediaTooLarge
from payam.media.sniff import ContentInspector, Detected
from payam.media.storage import MediaStorage, StagedFile
from payam.models import MediaKind

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
MAX_FILENAME_LENGTH = 255
# Room for the multipart framing and a few small fields around the file itself.
_ENVELOPE_BYTES = 64 * 1024
_MAX_PARTS = 16

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


class _FilePart:
    """The multipart parser's callbacks; the file's bytes wait in ``pending`` to be written."""

    def __init__(self) -> None:
        self.pending: list[bytes] = []
        self.filename: str | None = None
        self.found = False
        self.finished = False
        self._parts = 0
        self._in_file = False
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""

    def callbacks(self) -> MultipartCallbacks:
        return {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
        }

    def _on_part_begin(self) -> None:
        self._parts += 1
        if self._parts > _MAX_PARTS:
            raise InvalidInput("Too many parts in the form", field=FILE_FIELD)
        self._disposition = b""
        self._in_file = False

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = bytes(self._header_value)
        self._header_name.clear()
        self._header_value.clear()

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        # Only the first part called "file" is the upload; other fields are read past unused.
        if options.get(b"name") == FILE_FIELD.encode() and not self.found:
            self.found = self._in_file = True
            raw_name = options.get(b"filename")
            if raw_name is not None:
                # Browsers send the name as UTF-8, quoting '"' as %22 (HTML's form encoding).
                self.filename = raw_name.decode("utf-8", "replace").replace("%22", '"')

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self.pending.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._in_file:
            self.finished = True
            self._in_file = False


async def receive_upload(
    request: Request, *, storage: MediaStorage, settings: Settings
) -> ReceivedUpload:
    """Stream the multipart field ``file`` to a staged file, checking its type and size.

    Raises InvalidInput, UnsupportedMedia or MediaTooLarge; the staged file is gone if it does.
    """
    boundary = _boundary(request)
    largest = largest_limit(settings)
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > largest + _ENVELOPE_BYTES:
        raise MediaTooLarge(f"A file can be at most {human_size(largest)}")

    part = _FilePart()
    parser = MultipartParser(boundary, part.callbacks())
    inspector = ContentInspector()
    staged = await anyio.to_thread.run_sync(storage.stage)
    limit = largest
    kind: MediaKind | None = None
    body_bytes = 0
    try:
        async for chunk in request.stream():
            body_bytes += len(chunk)
            if body_bytes > largest + _ENVELOPE_BYTES:
                raise MediaTooLarge(f"A file can be at most {human_size(largest)}")
            try:
                parser.write(chunk)
            except FormParserError as bad:
                raise InvalidInput(
                    "The upload is not valid multipart/form-data", field=FILE_FIELD
                ) from bad
            data = b"".join(part.pending)
            part.pending.clear()
            inspector.feed(data)
            if kind is None and (inspector.head_complete or part.finished):
                # The first bytes say what the file is: refuse a foreign format now, and hold
                # the file to its own kind's limit from here on.
                kind = inspector.early_kind()
                limit = size_limit(kind, settings)
            if staged.size_bytes + len(data) > limit:
                raise _too_large(kind, limit)
            if data:
                await anyio.to_thread.run_sync(staged.write, data)
        try:
            parser.finalize()
        except FormParserError as bad:
            raise InvalidInput(
                "The upload is not valid multipart/form-data", field=FILE_FIELD
            ) from bad
        if not part.finished:
            raise InvalidInput(
                f"Attach the file as a multipart/form-data field named {FILE_FIELD!r}",
                field=FILE_FIELD,
            )
        staged.close()
        detected = await anyio.to_thread.run_sync(inspector.finish, staged.path)
        return ReceivedUpload(
            staged=staged,
            detected=detected,
            filename=sanitize_filename(part.filename, mime_type=detected.mime_type),
        )
    except ClientDisconnect as gone:
        staged.discard()
        # Nobody will read the answer; a 400 keeps an abandoned upload out of the error logs.
        raise InvalidInput("The upload was interrupted", field=FILE_FIELD) from gone
    except BaseException:
        # Refused, broken or abandoned by the client: nothing of it stays on disk.
        staged.discard()
        raise


def _boundary(request: Request) -> bytes:
    content_type, options = parse_options_header(request.headers.get("content-type"))
    boundary = options.get(b"boundary")
    if content_type != b"multipart/form-data" or not boundary:
        raise InvalidInput(
            f"Send the file as multipart/form-data, in a field named {FILE_FIELD!r}",
            field=FILE_FIELD,
        )
    return boundary


def _too_large(kind: MediaKind | None, limit: int) -> MediaTooLarge:
    subject = _KIND_NAMES[kind] if kind is not None else "A file"
    return MediaTooLarge(f"{subject} can be at most {human_size(limit)}")
