"""The upload request body, streamed: a multipart file or JSON ``{"text": …}``.

Starlette's ``request.form()`` would spool the whole file to a temporary file first, with no
size limit, before the endpoint could refuse it. Here the multipart parser is fed as the body
arrives and the file part's bytes go straight to the import's own storage, where the size limit
is checked chunk by chunk.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Protocol

import python_multipart
from fastapi import Request
from pydantic import ValidationError
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import parse_options_header

from payam.config import Settings
from payam.contacts.errors import UnreadableUpload, UnsupportedUpload, UploadTooLarge
from payam.contacts.parsing import human_size
from payam.contacts.schemas import PastedRecipients
from payam.kit.errors import FieldProblem, InvalidInput

if TYPE_CHECKING:  # only declared for type checkers
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
TEXT_FIELD = "text"
# Pasted lists come from a text box and are read into memory whole: bigger lists are files.
PASTED_TEXT_MAX_BYTES = 16 * 1024 * 1024
MULTIPART_OVERHEAD_BYTES = 64 * 1024


class UploadSource(Protocol):
    """What the import service reads: the bytes, and how to name the field when refusing."""

    field: str
    pasted: bool
    max_bytes: int

    @property
    def filename(self) -> str | None: ...

    def chunks(self) -> AsyncIterator[bytes]: ...


class MultipartFile:
    """The part named ``file`` of a multipart body; other parts are read past and dropped."""

    field = FILE_FIELD
    pasted = False

    def __init__(self, request: Request, *, settings: Settings, boundary: bytes) -> None:
        self.request = request
        self.boundary = boundary
        self.max_bytes = settings.import_max_bytes
        self._filename: str | None = None
        self._in_file = False
        self._found = False
        self._pending: list[bytes] = []
        self._header_name = b""
        self._header_value = b""
        self._disposition = b""

    @property
    def filename(self) -> str | None:
        return self._filename

    def _on_part_begin(self) -> None:
        self._disposition = b""

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        if self._header_name.lower() == b"content-disposition":
            self._disposition = self._header_value
        self._header_name = self._header_value = b""

    def _on_headers_finished(self) -> None:
        _, options = parse_options_header(self._disposition)
        name = options.get(b"name", b"").decode("utf-8", "replace")
        # Only the first part named "file" counts; a second one is ignored like any other field.
        self._in_file = name == FILE_FIELD and not self._found
        if self._in_file:
            self._found = True
            raw = options.get(b"filename", b"")
            self._filename = raw.decode("utf-8", "replace")[:255] or None

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(data[start:end])

    def _on_part_end(self) -> None:
        self._in_file = False

    async def chunks(self) -> AsyncIterator[bytes]:
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
        }
        declared = self.request.headers.get("content-length", "")
        # A declared length over the limit is refused before a byte of it is read.
        if declared.isdigit() and int(declared) > self.max_bytes + MULTIPART_OVERHEAD_BYTES:
            raise UploadTooLarge(
                f"the upload is larger than {human_size(self.max_bytes)}", field=FILE_FIELD
            )
        parser = python_multipart.MultipartParser(self.boundary, callbacks)
        try:
            async for data in self.request.stream():
                parser.write(data)
                if self._pending:
                    yield b"".join(self._pending)
                    self._pending.clear()
            parser.finalize()
        except MultipartParseError as error:
            raise UnreadableUpload(
                f"the multipart body is malformed ({error})", field=FILE_FIELD
            ) from error
        if self._pending:
            yield b"".join(self._pending)
            self._pending.clear()
        if not self._found:
            raise InvalidInput("Send the file in a multipart field named 'file'", field=FILE_FIELD)


class PastedText:
    """``{"text": "…"}``: read whole (it is bounded), validated, handed on as UTF-8."""

    field = TEXT_FIELD
    pasted = True
    filename = "pasted.txt"

    def __init__(self, request: Request, *, settings: Settings) -> None:
        self.request = request
        self.max_bytes = min(settings.import_max_bytes, PASTED_TEXT_MAX_BYTES)

    async def chunks(self) -> AsyncIterator[bytes]:
        body = bytearray()
        # JSON escapes make the body bigger than the text; twice is room for quotes and \n.
        body_limit = 2 * self.max_bytes + 1024
        async for data in self.request.stream():
            body += data
            if len(body) > body_limit:
                raise UploadTooLarge(
                    f"Pasted text is limited to {human_size(self.max_bytes)}; upload a file",
                    field=TEXT_FIELD,
                )
        try:
            pasted = PastedRecipients.model_validate_json(bytes(body))
        except ValidationError as error:
            problems = [
                FieldProblem(".".join(str(part) for part in e["loc"]) or TEXT_FIELD, e["msg"])
                for e in error.errors()
            ]
            raise InvalidInput(
                "; ".join(f"{p.field}: {p.reason}" if p.field else p.reason for p in problems),
                problems=problems,
            ) from error
        yield pasted.text.encode("utf-8")


def upload_source(request: Request, *, settings: Settings) -> UploadSource:
    """Pick the reader for the request's content type; nothing is read yet."""
    content_type, options = parse_options_header(request.headers.get("content-type", ""))
    if content_type == b"multipart/form-data":
        boundary = options.get(b"boundary")
        if not boundary:
            raise UnreadableUpload("The multipart body has no boundary", field=FILE_FIELD)
        return MultipartFile(request, settings=settings, boundary=boundary)
    if content_type == b"application/json":
        return PastedText(request, settings=settings)
    raise UnsupportedUpload(
        "Upload a file as multipart/form-data (field 'file') or send JSON {\"text\": …}",
        field=FILE_FIELD,
    )
