"""What the import endpoints take and answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StringConstraints

from payam.imports.parsing import FileFormat
from payam.kit.schemas import InputSchema, Schema
from payam.models import ImportStatus

ColumnName = Annotated[str, StringConstraints(min_length=1, max_length=255)]


class PastedRecipients(InputSchema):
    """Recipients typed or pasted: one a line, "phone", "phone,name" or "phone<TAB>name"."""

    # Not stripped: the lines are read as they are; the size limit is checked on the body.
    text: Annotated[str, StringConstraints(strip_whitespace=False, min_length=1)]


class ImportLayout(Schema):
    """How the file was read."""

    format: FileFormat
    encoding: str | None = Field(description="utf-8, or utf-8-sig when it had a byte order mark")
    # Annotated so that the Schema's whitespace stripping leaves the tab alone.
    delimiter: Annotated[str, StringConstraints(strip_whitespace=False)] | None = Field(
        description="for CSV: ',', ';' or a tab"
    )
    sheet: str | None = Field(description="for XLSX: the sheet read (the first)")
    rows: int = Field(description="rows in the file, the header row included")


class ColumnMapping(InputSchema):
    """Which column is what; columns by header name or as col1, col2, …"""

    phone: ColumnName
    name: ColumnName | None = None
    variables: dict[str, ColumnName] = Field(
        default_factory=dict,
        description="variable name → column; a message uses them as {{variable}}",
    )
    has_header: bool


class ImportPreview(Schema):
    """The answer to an upload: enough to show the first rows and confirm the columns."""

    id: int
    campaign_id: int
    status: ImportStatus
    filename: str
    size_bytes: int
    layout: ImportLayout
    has_header: bool = Field(description="whether row 1 looks like a header (a guess)")
    header: list[str] | None = Field(description="row 1 as it is, when it looks like a header")
    columns: list[str] = Field(description="the names to map: the header's, or col1…colN")
    rows: list[list[str]] = Field(description="the first 10 data rows")
    mapping: ColumnMapping | None = Field(description="the guessed mapping, to confirm or edit")


class ImportView(Schema):
    id: int
    campaign_id: int
    status: ImportStatus
    file_format: FileFormat
    filename: str
    size_bytes: int
    mapping: ColumnMapping | None
    rows_total: int = Field(description="data rows to read (the header row excluded)")
    rows_read: int
    imported: int
    duplicates: int = Field(description="already in the campaign, or earlier in the file")
    rejected: int
    progress: float = Field(ge=0, le=1)
    error: str | None
    created_at: datetime
    finished_at: datetime | None
