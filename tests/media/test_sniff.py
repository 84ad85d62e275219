"""Forged and hostile files, checked straight against the content inspector."""

from __future__ import annotations

import io
import struct
import zipfile
from pathlib import Path

import pytest

from payam.media.errors import UnsupportedMedia
from payam.media.sniff import HEAD_BYTES, ContentInspector, Detected
from tests.media import samples


def inspect(content: bytes, tmp_path: Path, *, chunk: int = 7) -> Detected:
    """Feed the bytes in small chunks, as a slow upload would, then judge the whole file."""
    path = tmp_path / "upload.part"
    path.write_bytes(content)
    inspector = ContentInspector()
    for start in range(0, len(content), chunk):
        inspector.feed(content[start : start + chunk])
        if inspector.head_complete:
            inspector.early_kind()
    return inspector.finish(path)


def test_utf8_split_across_chunks_is_still_text(tmp_path: Path) -> None:
    content = ("سلام دنیا " * 300).encode()
    assert inspect(content, tmp_path, chunk=3).mime_type == "text/plain"


def test_markup_after_the_first_kilobyte_is_just_text(tmp_path: Path) -> None:
    # Only a document that opens with markup is a web page; a note that mentions <b> is not.
    content = b"Notes\n" + b"x" * HEAD_BYTES + b"<html>"
    assert inspect(content, tmp_path).mime_type == "text/plain"


def test_a_directory_chain_that_loops_is_refused(tmp_path: Path) -> None:
    content = bytearray(samples.compound_file("WordDocument"))
    # Sector 1 (the directory) says its next sector is itself.
    struct.pack_into("<I", content, 512 + 4, 1)
    with pytest.raises(UnsupportedMedia, match="damaged"):
        inspect(bytes(content), tmp_path)


def test_a_compound_file_with_a_bad_sector_size_is_refused(tmp_path: Path) -> None:
    content = bytearray(samples.compound_file("WordDocument"))
    struct.pack_into("<H", content, 0x1E, 15)
    with pytest.raises(UnsupportedMedia, match="damaged"):
        inspect(bytes(content), tmp_path)


def test_a_zip_declaring_too_many_entries_is_not_opened(tmp_path: Path) -> None:
    content = bytearray(samples.office_open_xml("docx"))
    end_of_directory = content.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", content, end_of_directory + 8, 60_000, 60_000)
    with pytest.raises(UnsupportedMedia, match="too many entries"):
        inspect(bytes(content), tmp_path)


def test_a_zip_without_its_directory_is_refused(tmp_path: Path) -> None:
    content = samples.office_open_xml("docx")
    truncated = content[: content.rfind(b"PK\x01\x02")]
    with pytest.raises(UnsupportedMedia, match="damaged ZIP"):
        inspect(truncated, tmp_path)


def test_an_oversized_content_types_part_is_not_read(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b" " * (2 * 1024 * 1024))
    with pytest.raises(UnsupportedMedia, match="not an Office document"):
        inspect(buffer.getvalue(), tmp_path)


def test_content_types_naming_a_main_part_only_in_passing_still_needs_the_right_type(
    tmp_path: Path,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types><Default ContentType='text/html'/></Types>")
    with pytest.raises(UnsupportedMedia, match="not a DOCX"):
        inspect(buffer.getvalue(), tmp_path)
