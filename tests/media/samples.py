"""Small but genuine files of each format, built in code so the tests carry no binaries."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

OOXML_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml",
    "docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
}
OOXML_MAIN_PART = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
    "docm": "word/document.xml",
}


def png(*, padding: int = 0) -> bytes:
    """A 1x1 PNG; ``padding`` adds a private ancillary chunk of that many bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\x00\xff\x00\x00")
    extra = chunk(b"paDd", b"\x00" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + extra
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def jpeg() -> bytes:
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    segment = b"\xff\xe0" + struct.pack(">H", len(app0) + 2) + app0
    return b"\xff\xd8" + segment + b"\x00" * 64 + b"\xff\xd9"


def webp() -> bytes:
    payload = b"VP8L" + struct.pack("<I", 5) + b"\x2f\x00\x00\x00\x00\x00"
    return b"RIFF" + struct.pack("<I", 4 + len(payload)) + b"WEBP" + payload


def iso_media(major_brand: bytes, *compatible: bytes, size: int = 0) -> bytes:
    """An ISO base media file: an ``ftyp`` box and an ``mdat`` box of ``size`` bytes."""
    brands = b"".join(compatible)
    ftyp = struct.pack(">I", 16 + len(brands)) + b"ftyp" + major_brand + b"\x00\x00\x02\x00"
    mdat = struct.pack(">I", 8 + size) + b"mdat" + b"\x00" * size
    return ftyp + brands + mdat


def mp4(*, size: int = 64) -> bytes:
    return iso_media(b"isom", b"isom", b"iso2", b"avc1", b"mp41", size=size)


def mp3() -> bytes:
    # An ID3v2.3 tag with no frames, then one MPEG-1 Layer III frame header.
    return b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x64" + b"\x00" * 413


def ogg(codec_header: bytes) -> bytes:
    """One Ogg page carrying ``codec_header`` as its only packet."""
    return (
        b"OggS\x00\x02"
        + b"\x00" * 8  # granule position
        + struct.pack("<II", 0x1234, 0)  # stream serial, page sequence
        + b"\x00\x00\x00\x00"  # checksum (not checked)
        + bytes([1, len(codec_header)])
        + codec_header
    )


def ogg_opus() -> bytes:
    return ogg(b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00")


def ogg_vorbis() -> bytes:
    return ogg(b"\x01vorbis" + b"\x00" * 23)


def aac() -> bytes:
    # An ADTS frame header (MPEG-4 AAC LC, 44.1 kHz, stereo) and silence.
    return b"\xff\xf1\x50\x80\x02\x1f\xfc" + b"\x00" * 9


def amr() -> bytes:
    return b"#!AMR\n" + b"\x3c" + b"\x00" * 31


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def office_open_xml(flavour: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/{OOXML_MAIN_PART[flavour]}" '
            f'ContentType="{OOXML_TYPES[flavour]}"/></Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr(OOXML_MAIN_PART[flavour], "<document/>")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    return buffer.getvalue()


def odt() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


_FREE = 0xFFFFFFFF
_END = 0xFFFFFFFE
_FAT_SECTOR = 0xFFFFFFFD


def compound_file(*names: str, directory_order: tuple[int, ...] | None = None) -> bytes:
    """An OLE2 compound file (MS-CFB v3, 512-byte sectors) whose directory holds ``names``.

    The directory spans as many sectors as it needs (four entries each); ``directory_order``
    places them out of order on disk, so reading it means following the FAT.
    """
    entries = [_directory_entry("Root Entry", 5)]
    entries += [_directory_entry(name, 2) for name in names]
    while len(entries) % 4:
        entries.append(b"\x00" * 64 + struct.pack("<HBB", 0, 0, 1) + b"\x00" * 60)
    chunks = [b"".join(entries[index : index + 4]) for index in range(0, len(entries), 4)]
    order = directory_order or tuple(range(len(chunks)))
    assert sorted(order) == list(range(len(chunks))), "one place per directory sector"
    # Sector 0 holds the FAT; directory chunk i is stored in sector 1 + order[i].
    sectors = [b""] * (1 + len(chunks))
    fat = [_FREE] * 128
    fat[0] = _FAT_SECTOR
    for position, chunk in enumerate(chunks):
        sector = 1 + order[position]
        sectors[sector] = chunk
        fat[sector] = 1 + order[position + 1] if position + 1 < len(chunks) else _END
    sectors[0] = struct.pack("<128I", *fat)
    header = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\x00" * 6
        + struct.pack("<IIIIIIIII", 0, 1, 1 + order[0], 0, 4096, _END, 0, _END, 0)
        + struct.pack("<109I", 0, *([_FREE] * 108))
    )
    assert len(header) == 512
    return header + b"".join(sectors)


def _directory_entry(name: str, object_type: int) -> bytes:
    encoded = name.encode("utf-16-le") + b"\x00\x00"
    return (
        encoded.ljust(64, b"\x00")
        + struct.pack("<HBB", len(encoded), object_type, 1)
        + struct.pack("<III", _FREE, _FREE, _FREE)  # left, right, child
        + b"\x00" * 16  # class id
        + b"\x00" * 4  # state bits
        + b"\x00" * 16  # created, modified
        + struct.pack("<IQ", _END, 0)  # start sector, size
    )


def windows_program() -> bytes:
    dos_header = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    return dos_header + b"\x00" * 48 + b"PE\x00\x00"


def elf_program() -> bytes:
    return b"\x7fELF\x02\x01\x01" + b"\x00" * 57


def html() -> bytes:
    return b"<!DOCTYPE html>\n<html><body><script>alert(1)</script></body></html>\n"


def gif() -> bytes:
    return b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"
