"""File uploads read from the request stream as they arrive: never whole in memory, refused early.

FastAPI's ``UploadFile`` (Starlette's ``request.form()``) has the whole body parsed and spooled
before the endpoint runs, with no size limit, so a 2 GB "image" would be read to the end before
being refused. Here the multipart parser is fed as the body arrives, and the bytes of the part
named ``file`` are handed to the caller as they come, to check and store:

- a declared ``Content-Length`` too large for the largest file allowed is refused before a byte
  is read, and so is a body that grows past it;
- the caller counts the file's own bytes as they come, and may hold some files to less (an
  attachment's limit depends on its kind, told by its first bytes);
- other form fields are read past and dropped, and there may be only a few of them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any

from fastapi import Request
from python_multipart import MultipartParser
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import parse_options_header
from starlette.requests import ClientDisconnect

from payam.kit.errors import InvalidInput, PayamError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

FILE_FIELD = "file"
MULTIPART_FORM = "multipart/form-data"
# Room for the multipart framing and a few small fields around the file itself.
ENVELOPE_BYTES = 64 * 1024
MAX_PARTS = 16


class MultipartFile:
    """The part named ``file`` of a multipart request body, read as it arrives.

    ``chunks()`` yields the file's bytes. ``filename`` is known from the first chunk on, and
    ``finished`` turns true once the part has ended, possibly while its last chunk is still in
    the caller's hands. A body too large to hold only a file of ``max_file_bytes`` raises
    ``too_large()``; one that is not multipart, is malformed, is cut off or holds no whole
    ``file`` part raises InvalidInput (for the field ``file``).
    """

    def __init__(
        self, request: Request, *, max_file_bytes: int, too_large: Callable[[], PayamError]
    ) -> None:
        content_type, options = parse_options_header(request.headers.get("content-type"))
        boundary = options.get(b"boundary")
        if content_type != MULTIPART_FORM.encode() or not boundary:
            raise InvalidInput(
                f"Send the file as {MULTIPART_FORM}, in a field named {FILE_FIELD!r}",
                field=FILE_FIELD,
            )
        self._max_body_bytes = max_file_bytes + ENVELOPE_BYTES
        self._too_large = too_large
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self._max_body_bytes:
            raise too_large()
        self._request = request
        self._boundary = boundary
        self.filename: str | None = None
        self.finished = False
        self._found = False
        self._in_file = False
        self._parts = 0
        self._pending: list[bytes] = []
        self._header_name = bytearray()
        self._header_value = bytearray()
        self._disposition = b""

    async def chunks(self) -> AsyncIterator[bytes]:
        parser = MultipartParser(self._boundary, self._callbacks())
        body_bytes = 0
        try:
            async for chunk in self._request.stream():
                body_bytes += len(chunk)
                if body_bytes > self._max_body_bytes:
                    raise self._too_large()
                parser.write(chunk)
                if self._pending:
                    yield self._take_pending()
            parser.finalize()
        except FormParserError as bad:
            raise InvalidInput(
                f"The upload is not valid {MULTIPART_FORM}", field=FILE_FIELD
            ) from bad
        except ClientDisconnect as gone:
            # Nobody will read the answer; a 4xx keeps an abandoned upload out of the error logs.
            raise InvalidInput("The upload was interrupted", field=FILE_FIELD) from gone
        if self._pending:
            yield self._take_pending()
        if not self.finished:
            raise InvalidInput(
                f"Attach the file as a {MULTIPART_FORM} field named {FILE_FIELD!r}",
                field=FILE_FIELD,
            )

    def _take_pending(self) -> bytes:
        data = b"".join(self._pending)
        self._pending.clear()
        return data

    def _callbacks(self) -> MultipartCallbacks:
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
        if self._parts > MAX_PARTS:
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
        # Only the first part called "file" is the upload; a second one is read past like any
        # other field.
        if options.get(b"name") == FILE_FIELD.encode() and not self._found:
            self._found = self._in_file = True
            raw_name = options.get(b"filename")
            if raw_name is not None:
                # Browsers send the name as UTF-8, quoting '"' as %22 (HTML's form encoding).
                self.filename = raw_name.decode("utf-8", "replace").replace("%22", '"')

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._pending.append(data[start:end])

    def _on_part_end(self) -> None:
        if self._in_file:
            self.finished = True
            self._in_file = False


def upload_request_body(
    description: str, *, alternatives: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The ``openapi_extra`` of a route that reads its upload with :class:`MultipartFile`.

    FastAPI cannot describe a body it does not parse itself: this says it is a multipart form
    whose ``file`` field is the file (``description``), or any of ``alternatives`` (media type:
    OpenAPI media type object).
    """
    return {
        "requestBody": {
            "required": True,
            "content": {
                MULTIPART_FORM: {
                    "schema": {
                        "type": "object",
                        "required": [FILE_FIELD],
                        "properties": {
                            FILE_FIELD: {
                                "type": "string",
                                "format": "binary",
                                "description": description,
                            }
                        },
                    }
                },
                **(alternatives or {}),
            },
        }
    }
