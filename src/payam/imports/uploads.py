"""The upload request body, streamed: a multipart file or JSON ``{"text": …}``.

A file goes straight from the request stream (``payam.kit.multipart``) to the import's own
storage, where it is checked chunk by chunk; nothing is spooled first.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from fastapi import Request
from pydantic import ValidationError
from python_multipart.multipart import parse_options_header

from payam.config import Settings
from payam.imports.errors import UnsupportedUpload, UploadTooLarge
from payam.imports.parsing import human_size
from payam.imports.schemas import PastedRecipients
from payam.kit.errors import FieldProblem, InvalidInput
from payam.kit.multipart import FILE_FIELD, MULTIPART_FORM, MultipartFile

TEXT_FIELD = "text"
# Pasted lists come from a text box and are read into memory whole: bigger lists are files.
PASTED_TEXT_MAX_BYTES = 16 * 1024 * 1024


class UploadSource(Protocol):
    """What the import service reads: the bytes, and how to name the field when refusing."""

    field: str
    pasted: bool
    max_bytes: int

    @property
    def filename(self) -> str | None: ...

    def chunks(self) -> AsyncIterator[bytes]: ...


class UploadedFile:
    """A file sent as the multipart field ``file``."""

    field = FILE_FIELD
    pasted = False

    def __init__(self, request: Request, *, settings: Settings) -> None:
        self.max_bytes = settings.import_max_bytes
        self._file = MultipartFile(
            request,
            max_file_bytes=self.max_bytes,
            too_large=lambda: UploadTooLarge(
                f"The upload is larger than {human_size(self.max_bytes)}", field=FILE_FIELD
            ),
        )

    @property
    def filename(self) -> str | None:
        return self._file.filename

    def chunks(self) -> AsyncIterator[bytes]:
        return self._file.chunks()


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
    content_type, _ = parse_options_header(request.headers.get("content-type", ""))
    if content_type == MULTIPART_FORM.encode():
        return UploadedFile(request, settings=settings)
    if content_type == b"application/json":
        return PastedText(request, settings=settings)
    raise UnsupportedUpload(
        f'Upload a file as {MULTIPART_FORM} (field {FILE_FIELD!r}) or send JSON {{"text": …}}',
        field=FILE_FIELD,
    )
