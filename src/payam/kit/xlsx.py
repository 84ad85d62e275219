"""An XLSX workbook written while it is sent: the first bytes leave before the last row is read.

XlsxWriter and openpyxl build the whole file (in memory or in a temporary file) before a byte
can be sent, so a large report keeps its reader waiting and its server busy. An XLSX file is a
ZIP of a few XML parts; the standard library's ``zipfile`` can write one to a stream that
cannot seek (each entry then carries its sizes after its data), which is all streaming needs.
Cells are inline strings: no shared-string table to hold in memory, and no value is ever read
as a formula, so the apostrophe guard that CSV needs is not used here.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import AsyncIterable, AsyncIterator, Sequence
from typing import IO
from xml.sax.saxutils import escape

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Excel's limits: a sheet holds 1,048,576 rows (the header takes one on every sheet) and a cell
# 32,767 characters; a longer report continues on another sheet rather than being cut short.
MAX_ROWS_PER_SHEET = 1_048_576
MAX_CELL_CHARACTERS = 32_767

# Characters XML 1.0 cannot carry at all, even escaped (old data may hold them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


class _Outbox:
    """Where the ZIP is written: collects bytes until the stream takes them.

    It has no ``tell`` or ``seek``, so ``zipfile`` writes each entry's sizes after its data.
    """

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered here; ``zipfile`` calls this when it closes."""

    def close(self) -> None:
        """The stream, not the archive, decides when the bytes are done."""

    def take(self) -> bytes:
        data = b"".join(self._parts)
        self._parts.clear()
        return data


def _cell(value: str) -> str:
    text = escape(_NOT_XML.sub("", value[:MAX_CELL_CHARACTERS]))
    return f'<c t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def _row(values: Sequence[str]) -> bytes:
    return ("<row>" + "".join(_cell(value) for value in values) + "</row>").encode()


def _sheet_name(base: str, number: int) -> str:
    return base if number == 1 else f"{base} ({number})"


def _workbook_parts(sheet_name: str, sheet_count: int) -> dict[str, str]:
    numbers = range(1, sheet_count + 1)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in numbers
    )
    sheets = "".join(
        f'<sheet name="{escape(_sheet_name(sheet_name, n))}" sheetId="{n}" r:id="rId{n}"/>'
        for n in numbers
    )
    sheet_relationships = "".join(
        f'<Relationship Id="rId{n}" Type="{_DOCUMENT_RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in numbers
    )
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{_DOCUMENT_RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOCUMENT_RELATIONSHIPS}">'
            f"<sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELATIONSHIPS}">{sheet_relationships}</Relationships>'
        ),
    }


class _Sheets:
    """The worksheets of one archive, each opened when the one before is full."""

    def __init__(
        self, archive: zipfile.ZipFile, *, header: Sequence[str], rows_per_sheet: int
    ) -> None:
        self._archive = archive
        self._header = _row(header)
        self._rows_per_sheet = rows_per_sheet
        self._current: IO[bytes] | None = None
        self._rows_on_current = 0
        self.count = 0

    def add(self, values: Sequence[str]) -> None:
        if self._current is None or self._rows_on_current >= self._rows_per_sheet:
            self._open_next()
        assert self._current is not None
        self._current.write(_row(values))
        self._rows_on_current += 1

    def finish(self) -> None:
        if self._current is None:  # no rows at all: one sheet with the header alone
            self._open_next()
        self._close_current()

    def _open_next(self) -> None:
        self._close_current()
        self.count += 1
        self._current = self._archive.open(f"xl/worksheets/sheet{self.count}.xml", mode="w")
        self._current.write(f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN}"><sheetData>'.encode())
        self._current.write(self._header)
        self._rows_on_current = 1

    def _close_current(self) -> None:
        if self._current is not None:
            self._current.write(b"</sheetData></worksheet>")
            self._current.close()
            self._current = None


async def stream_xlsx(
    batches: AsyncIterable[Sequence[Sequence[str]]],
    *,
    header: Sequence[str],
    sheet_name: str,
    rows_per_sheet: int = MAX_ROWS_PER_SHEET,
) -> AsyncIterator[bytes]:
    """The workbook's bytes, a piece per batch of rows; every sheet starts with ``header``."""
    outbox = _Outbox()
    with zipfile.ZipFile(outbox, mode="w", compression=zipfile.ZIP_DEFLATED) as archive:
        sheets = _Sheets(archive, header=header, rows_per_sheet=rows_per_sheet)
        async for batch in batches:
            for values in batch:
                sheets.add(values)
            if chunk := outbox.take():
                yield chunk
        sheets.finish()
        for name, xml in _workbook_parts(sheet_name, sheets.count).items():
            archive.writestr(name, _XML_DECLARATION + xml)
    yield outbox.take()
