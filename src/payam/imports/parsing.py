"""Reading recipient files: CSV, XLSX and pasted lines, streamed, with every limit enforced.

An upload is inspected once, in full, before it is accepted (:func:`inspect_file`): the encoding,
the line lengths, the row count and, for XLSX, the zip container are all checked then, so that a
file is refused whole or imported whole, never half. The import job later streams the same file
again with :func:`open_records`.

Records are lists of strings. A record's number is its 1-based position in the file (the row
number Excel shows; for CSV, quoted line breaks make it differ from the line number).
"""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any, TextIO

import filetype
from python_calamine import CalamineError, CalamineWorkbook

from payam.config import Settings

DELIMITERS = (",", ";", "\t")
PASTED_SEPARATORS = ("\t", ",", "،")
SAMPLE_RECORDS = 50  # non-blank records kept for the preview and the guesses
UTF8_BOM = b"\xef\xbb\xbf"
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and other pre-2007 Office files
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

# An XLSX is a zip of XML. These bound what calamine will be asked to inflate: a real sheet
# compresses 5-20 to 1, a zip bomb a thousand to 1.
XLSX_MAX_RATIO = 100
XLSX_RATIO_FLOOR_BYTES = 1024 * 1024  # small parts (styles, themes) may compress better
XLSX_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
XLSX_MAX_ENTRIES = 10_000

NOT_UTF8 = "the file is not UTF-8 text"
SAVE_AS_UTF8 = "save it as “CSV UTF-8” and upload it again"
NOT_CSV_OR_XLSX = "not a CSV or XLSX file"


class FileFormat(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    TEXT = "text"  # pasted lines: "phone", "phone,name" or "phone<TAB>name"

    @property
    def extension(self) -> str:
        return {"csv": "csv", "xlsx": "xlsx", "text": "txt"}[self.value]


class UnreadableFile(Exception):
    """The upload cannot be imported; ``reason`` says why in words for the user."""

    def __init__(self, reason: str, *, too_large: bool = False) -> None:
        self.reason = reason
        self.too_large = too_large
        super().__init__(reason)


@dataclass(frozen=True, slots=True)
class ReadLimits:
    max_bytes: int
    max_rows: int
    max_line_bytes: int

    @classmethod
    def from_settings(cls, settings: Settings) -> ReadLimits:
        return cls(
            max_bytes=settings.import_max_bytes,
            max_rows=settings.import_max_rows,
            max_line_bytes=settings.import_max_line_bytes,
        )


@dataclass(slots=True)
class Inspection:
    """What a full pass over an upload found: how to read it and its first records."""

    file_format: FileFormat
    records: int  # every record, blank ones and a header row included
    sample: list[tuple[int, list[str]]] = field(default_factory=list)  # (index, cells), non-blank
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None

    @property
    def first_record(self) -> int:
        """Index of the first non-blank record: the header, when there is one."""
        return self.sample[0][0] if self.sample else 0

    @property
    def width(self) -> int:
        return max((len(cells) for _, cells in self.sample), default=0)

    def layout(self) -> dict[str, Any]:
        """How to read the file again, as stored on the import."""
        return {
            "encoding": self.encoding,
            "delimiter": self.delimiter,
            "sheet": self.sheet,
            "records": self.records,
            "first_record": self.first_record,
            "width": self.width,
        }


def is_blank(cells: list[str]) -> bool:
    return all(not cell.strip() for cell in cells)


def sniff_format(head: bytes) -> FileFormat:
    """CSV or XLSX, told by the content (the file name is a claim, the bytes are a fact)."""
    if head.startswith(ZIP_MAGIC):
        return FileFormat.XLSX
    if head.startswith(OLE2_MAGIC):
        raise UnreadableFile(
            f"{NOT_CSV_OR_XLSX}: this is an old Excel (.xls) workbook; save it as .xlsx or CSV"
        )
    if head.startswith(UTF16_BOMS):
        raise UnreadableFile(f"{NOT_UTF8} (this file is UTF-16); {SAVE_AS_UTF8}")
    if _looks_like_text(head):
        return FileFormat.CSV
    # filetype names binary formats by their magic bytes; asked only about non-text, because
    # some signatures are two letters long ("BM" is a bitmap) and a CSV may start with them.
    kind = filetype.guess(head)
    if kind is not None:
        raise UnreadableFile(f"{NOT_CSV_OR_XLSX}: it looks like {kind.mime}")
    if b"\x00" in head:
        raise UnreadableFile(
            f"{NOT_UTF8} (it holds NUL bytes: binary data or UTF-16); {SAVE_AS_UTF8}"
        )
    raise UnreadableFile(f"{NOT_UTF8}; {SAVE_AS_UTF8}")


def _looks_like_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        # The head may cut a multi-byte character in two: only its last 3 bytes may be partial.
        return error.reason == "unexpected end of data" and error.start >= len(head) - 3
    return True


# --- text: CSV and pasted lines ----------------------------------------------------------------


def _checked_lines(handle: TextIO, *, max_line_bytes: int) -> Iterator[str]:
    """The file's physical lines, refusing long lines, NUL bytes and bytes that are not UTF-8.

    ``readline`` is given a limit, so a 10 MB line costs 64 KiB of memory before it is refused.
    """
    number = 0
    while True:
        try:
            line = handle.readline(max_line_bytes + 1)
        except UnicodeDecodeError as error:
            raise UnreadableFile(f"{NOT_UTF8} (near line {number + 1}); {SAVE_AS_UTF8}") from error
        if not line:
            return
        number += 1
        # The limit counts bytes and readline counts characters (up to 4 bytes each in UTF-8).
        if len(line) > max_line_bytes or (
            len(line) * 4 > max_line_bytes
            and len(line.rstrip("\r\n").encode("utf-8")) > max_line_bytes
        ):
            raise UnreadableFile(
                f"line {number} is longer than {human_size(max_line_bytes)}; one line holds one "
                "recipient",
                too_large=True,
            )
        if "\x00" in line:
            raise UnreadableFile(f"{NOT_UTF8} (line {number} holds a NUL byte); {SAVE_AS_UTF8}")
        yield line


def _open_text(path: Path) -> TextIO:
    # utf-8-sig drops Excel's byte order mark when there is one and reads plain UTF-8 otherwise;
    # newline="" hands line breaks inside quoted fields to the csv module untouched.
    return path.open(encoding="utf-8-sig", errors="strict", newline="")


def _has_bom(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(len(UTF8_BOM)) == UTF8_BOM


def sniff_delimiter(lines: list[str]) -> str:
    """Comma, semicolon or tab: whichever splits the first lines into the same number of fields.

    Excel writes semicolons where the decimal separator is a comma, and copying from a sheet gives
    tabs. ``csv.Sniffer`` guesses among every character and is easily fooled by names.
    """
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        counts = [len(row) for row in csv.reader(lines, delimiter=delimiter) if not is_blank(row)]
        if not counts:
            continue
        modal = max(set(counts), key=counts.count)
        if modal < 2:
            continue
        score = (counts.count(modal) / len(counts), modal)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def split_pasted_line(line: str) -> list[str]:
    """One pasted recipient: the phone, then the name after the first tab or comma, if any."""
    line = line.rstrip("\r\n")
    for separator in PASTED_SEPARATORS:
        phone, found, name = line.partition(separator)
        if found:
            return [phone.strip(), name.strip()]
    return [line.strip()]


def _text_records(
    handle: TextIO, *, file_format: FileFormat, delimiter: str | None, max_line_bytes: int
) -> Iterator[list[str]]:
    lines = _checked_lines(handle, max_line_bytes=max_line_bytes)
    if file_format is FileFormat.TEXT:
        yield from map(split_pasted_line, lines)
        return
    reader = csv.reader(lines, delimiter=delimiter or ",")
    try:
        yield from reader
    except csv.Error as error:
        raise UnreadableFile(f"row {reader.line_num}: {error}") from error


def _inspect_text(path: Path, *, file_format: FileFormat, limits: ReadLimits) -> Inspection:
    delimiter: str | None = None
    if file_format is FileFormat.CSV:
        with _open_text(path) as handle:
            head: list[str] = []
            for line in _checked_lines(handle, max_line_bytes=limits.max_line_bytes):
                head.append(line)
                if len(head) >= SAMPLE_RECORDS:
                    break
        delimiter = sniff_delimiter(head)
    inspection = Inspection(
        file_format=file_format,
        records=0,
        encoding="utf-8-sig" if _has_bom(path) else "utf-8",
        delimiter=delimiter,
    )
    with _open_text(path) as handle:
        records = _text_records(
            handle,
            file_format=file_format,
            delimiter=delimiter,
            max_line_bytes=limits.max_line_bytes,
        )
        _count_and_sample(records, inspection, limits=limits)
    return inspection


def _count_and_sample(
    records: Iterator[list[str]], inspection: Inspection, *, limits: ReadLimits
) -> None:
    for index, cells in enumerate(records):
        inspection.records = index + 1
        if len(inspection.sample) < SAMPLE_RECORDS and not is_blank(cells):
            inspection.sample.append((index, cells))
        # One record more than the limit is allowed for a header row; the exact check, once
        # the header is known, is the caller's.
        if index - inspection.first_record > limits.max_rows:
            raise UnreadableFile(
                f"the file has more than {limits.max_rows:,} rows, the limit; split it into "
                "several imports",
                too_large=True,
            )


# --- XLSX ---------------------------------------------------------------------------------------


def check_xlsx_container(path: Path) -> None:
    """Refuse zip bombs and non-workbooks before calamine inflates anything.

    First the central directory: the sizes each part declares, and their compression ratios.
    Then each part is inflated once, in chunks, and thrown away: Python's zipfile stops at the
    declared size and checks the CRC, so a part that lies about its size fails here, not later
    inside calamine.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            entries = archive.infolist()
            if len(entries) > XLSX_MAX_ENTRIES:
                raise UnreadableFile("the XLSX file has too many parts to be a workbook")
            if "xl/workbook.xml" not in {entry.filename for entry in entries}:
                raise UnreadableFile(f"{NOT_CSV_OR_XLSX}: a zip archive, but not an XLSX workbook")
            declared = 0
            for entry in entries:
                if entry.flag_bits & 0x1:
                    raise UnreadableFile("the workbook is password-protected; remove the password")
                declared += entry.file_size
                ratio_too_high = (
                    entry.file_size > XLSX_RATIO_FLOOR_BYTES
                    and entry.file_size > XLSX_MAX_RATIO * max(entry.compress_size, 1)
                )
                if ratio_too_high or declared > XLSX_MAX_UNCOMPRESSED_BYTES:
                    raise UnreadableFile(
                        "the XLSX file inflates to far more than it holds (a zip bomb?); "
                        "save the sheet as CSV and upload that",
                        too_large=True,
                    )
            for entry in entries:
                with archive.open(entry) as part:
                    while part.read(1024 * 1024):
                        pass
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as error:
        raise UnreadableFile(f"{NOT_CSV_OR_XLSX}: the XLSX file is damaged ({error})") from error


def cell_text(value: object) -> str:
    """A calamine cell as the text a user typed: 9121234567.0 is the number 9121234567."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        # Excel keeps numbers as floats; a phone typed as a number comes back as 9121234567.0.
        if value.is_integer() and abs(value) < 1e18:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    return str(value)


@contextmanager
def _first_sheet(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        workbook = CalamineWorkbook.from_path(str(path))
    except CalamineError as error:
        raise UnreadableFile(f"the XLSX file cannot be read ({error})") from error
    try:
        if not workbook.sheet_names:
            raise UnreadableFile("the workbook has no sheet")
        try:
            sheet = workbook.get_sheet_by_index(0)
        except CalamineError as error:
            raise UnreadableFile(f"the first sheet cannot be read ({error})") from error
        yield workbook.sheet_names[0], sheet
    finally:
        workbook.close()


def _xlsx_records(sheet: Any) -> Iterator[list[str]]:
    # iter_rows starts at the sheet's first row, so record index + 1 is Excel's row number.
    for row in sheet.iter_rows():
        yield [cell_text(value) for value in row]


def _inspect_xlsx(path: Path, *, limits: ReadLimits) -> Inspection:
    check_xlsx_container(path)
    with _first_sheet(path) as (name, sheet):
        end = sheet.end
        rows = end[0] + 1 if end is not None else 0
        if rows > limits.max_rows + 1 + (sheet.start[0] if sheet.start else 0):
            raise UnreadableFile(
                f"the sheet has more than {limits.max_rows:,} rows, the limit; split it into "
                "several imports",
                too_large=True,
            )
        inspection = Inspection(file_format=FileFormat.XLSX, records=0, sheet=name)
        _count_and_sample(_xlsx_records(sheet), inspection, limits=limits)
    return inspection


# --- entry points -------------------------------------------------------------------------------


def inspect_file(path: Path, *, file_format: FileFormat, limits: ReadLimits) -> Inspection:
    """Read the whole upload once, checking everything; raises UnreadableFile. Blocking."""
    if file_format is FileFormat.XLSX:
        inspection = _inspect_xlsx(path, limits=limits)
    else:
        inspection = _inspect_text(path, file_format=file_format, limits=limits)
    if not inspection.sample:
        raise UnreadableFile("the file has no rows")
    return inspection


@contextmanager
def open_records(
    path: Path, *, file_format: FileFormat, layout: dict[str, Any]
) -> Iterator[Iterator[list[str]]]:
    """Every record of an upload that ``inspect_file`` accepted, streamed.

    Not checked again: the file is the one inspected, and the checks cost a third of the
    reading time. (XLSX: calamine holds the sheet in memory; text is read line by line.)
    """
    if file_format is FileFormat.XLSX:
        with _first_sheet(path) as (_, sheet):
            yield _xlsx_records(sheet)
        return
    with _open_text(path) as handle:
        if file_format is FileFormat.TEXT:
            yield map(split_pasted_line, handle)
        else:
            yield csv.reader(handle, delimiter=layout.get("delimiter") or ",")


def human_size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):g} MiB"
    if count >= 1024:
        return f"{count / 1024:g} KiB"
    return f"{count} bytes"
