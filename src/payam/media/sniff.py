"""What a file really is, told from its bytes: never from its name or the client's Content-Type.

WhatsApp accepts a short list of formats per kind; anything else is refused before it is stored.
Most formats are known from their first bytes (``filetype`` and a few signatures of our own);
three need the whole file:

- a ZIP is accepted only as an Office Open XML document (DOCX, XLSX, PPTX), told by the main part
  declared in ``[Content_Types].xml``; macro-enabled variants, ODF, JARs, APKs and bare archives
  are refused;
- an OLE2 compound file (``D0 CF 11 E0``) only as a Word, Excel or PowerPoint 97-2003 document,
  told by its streams (``WordDocument``, ``Workbook``/``Book``, ``PowerPoint Document``): an MSI
  installer or an Outlook message is OLE2 too;
- plain text only if it is UTF-8 throughout with no NUL, and does not open with markup: HTML,
  SVG and XML are refused.

Deliberately no libmagic: it is not installed everywhere Payam runs.
"""

from __future__ import annotations

import codecs
import struct
import zipfile
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import BinaryIO

import filetype

from payam.media.errors import UnsupportedMedia
from payam.models import MediaKind

# Enough for our own signatures and for every filetype matcher we rely on (the deepest looks at
# offset 257); filetype's ZIP-document matchers read further, but ZIPs are checked whole anyway.
# Small, so that an oversized or foreign file is refused after its first kilobyte.
HEAD_BYTES = 1024


@dataclass(frozen=True, slots=True)
class Detected:
    kind: MediaKind
    mime_type: str


class _NeedsWholeFile(Enum):
    ZIP = "zip"
    OLE2 = "ole2"
    TEXT = "text"


_BY_FILETYPE = {
    "image/jpeg": MediaKind.IMAGE,
    "image/png": MediaKind.IMAGE,
    "image/webp": MediaKind.IMAGE,
    "audio/mpeg": MediaKind.AUDIO,
    "audio/aac": MediaKind.AUDIO,
    "audio/amr": MediaKind.AUDIO,
    "application/pdf": MediaKind.DOCUMENT,
}
# Names to show when refusing, for what filetype calls by a MIME type nobody reads.
_FRIENDLY = {
    "application/x-msdownload": "a Windows program",
    "application/x-executable": "a program",
    "application/zip": "a ZIP archive",
    "application/x-rar-compressed": "a RAR archive",
    "application/x-7z-compressed": "a 7z archive",
    "image/gif": "a GIF image; send it as MP4 video",
    "image/heic": "a HEIC image; convert it to JPEG",
    "video/quicktime": "a QuickTime movie; convert it to MP4",
}

_ZIP_LOCAL_HEADER = b"PK\x03\x04"
_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# ISO base media (MP4 family), told by the major brand of the leading ``ftyp`` box.
_MP4_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1"}
    | {b"dash", b"mmp4", b"MSNV", b"M4V ", b"M4VP"}
)
_M4A_BRANDS = frozenset({b"M4A ", b"M4B "})

_OOXML_MAIN_PARTS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
    b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ),
    b"application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# Bounds on what a ZIP may make us read: its directory, and the one small part we open.
_ZIP_MAX_ENTRIES = 20_000
_CONTENT_TYPES_MAX_BYTES = 1024 * 1024

_OLE2_STREAMS = (
    ("WordDocument", "application/msword"),
    ("Workbook", "application/vnd.ms-excel"),
    ("Book", "application/vnd.ms-excel"),  # Excel 5/95
    ("PowerPoint Document", "application/vnd.ms-powerpoint"),
)
_OLE2_MAX_DIRECTORY_SECTORS = 4096

_MARKUP_STARTS = tuple(
    b"<" + bytes([c]) for c in b"!?/abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_UTF8_BOM = codecs.BOM_UTF8


class ContentInspector:
    """Watches an upload's bytes go by and says what the file is.

    ``feed`` every chunk in order; ``early_kind`` once ``head_complete`` (or the data ended) tells
    which kind's size limit applies, or refuses at once when the first bytes already rule the file
    out; ``finish`` gives the verdict once the whole file is on disk.
    """

    def __init__(self) -> None:
        self._head = bytearray()
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._could_be_text = True
        self._early: Detected | _NeedsWholeFile | None = None

    @property
    def head_complete(self) -> bool:
        return len(self._head) >= HEAD_BYTES

    def feed(self, chunk: bytes) -> None:
        if len(self._head) < HEAD_BYTES:
            self._head += chunk[: HEAD_BYTES - len(self._head)]
        if self._could_be_text and (self._early is None or self._early is _NeedsWholeFile.TEXT):
            # Checked as it streams, so a large text file is never read twice.
            if b"\x00" in chunk:
                self._could_be_text = False
            else:
                try:
                    self._decoder.decode(chunk)
                except UnicodeDecodeError:
                    self._could_be_text = False

    def early_kind(self) -> MediaKind:
        """The kind the first bytes promise; raises UnsupportedMedia if they already refuse it."""
        if self._early is None:
            self._early = self._classify_head(bytes(self._head))
        if isinstance(self._early, Detected):
            return self._early.kind
        return MediaKind.DOCUMENT

    def finish(self, path: Path) -> Detected:
        """The verdict on the whole file at ``path``. Blocking: may read the file."""
        early = self._early if self._early is not None else self._classify_head(bytes(self._head))
        self._early = early
        if isinstance(early, Detected):
            return early
        if early is _NeedsWholeFile.ZIP:
            return Detected(MediaKind.DOCUMENT, _office_open_xml_type(path))
        if early is _NeedsWholeFile.OLE2:
            return Detected(MediaKind.DOCUMENT, _ole2_document_type(path))
        try:
            self._decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            self._could_be_text = False
        if not self._could_be_text:
            raise UnsupportedMedia("it is neither a known format nor UTF-8 text")
        return Detected(MediaKind.DOCUMENT, "text/plain")

    def _classify_head(self, head: bytes) -> Detected | _NeedsWholeFile:
        if not head:
            raise UnsupportedMedia("the file is empty")
        if head[4:8] == b"ftyp":
            return _iso_media_type(head)
        if head.startswith(_ZIP_LOCAL_HEADER):
            return _NeedsWholeFile.ZIP
        if head.startswith(_OLE2_SIGNATURE):
            return _NeedsWholeFile.OLE2
        if head.startswith(b"OggS"):
            # WhatsApp plays Ogg only with the Opus codec, named in the first page's header.
            if head[28:36] == b"OpusHead":
                return Detected(MediaKind.AUDIO, "audio/ogg")
            raise UnsupportedMedia("Ogg audio must use the Opus codec")
        guessed = filetype.guess(head)
        if guessed is not None:
            mime = str(guessed.mime)
            kind = _BY_FILETYPE.get(mime)
            if kind is None:
                raise UnsupportedMedia(f"it is {_FRIENDLY.get(mime, mime)}")
            return Detected(kind, mime)
        if not self._could_be_text:
            raise UnsupportedMedia("it is neither a known format nor UTF-8 text")
        if head.removeprefix(_UTF8_BOM).lstrip().startswith(_MARKUP_STARTS):
            raise UnsupportedMedia("it is a web page or markup (HTML, XML, SVG)")
        return _NeedsWholeFile.TEXT


def _iso_media_type(head: bytes) -> Detected:
    major_brand = head[8:12]
    if major_brand in _M4A_BRANDS:
        return Detected(MediaKind.AUDIO, "audio/mp4")
    if major_brand.startswith((b"3gp", b"3g2")):
        return Detected(MediaKind.VIDEO, "video/3gpp")
    if major_brand in _MP4_BRANDS:
        return Detected(MediaKind.VIDEO, "video/mp4")
    # QuickTime ("qt  "), HEIC and AVIF images and the like share the container, not the support.
    brand = major_brand.decode("ascii", "replace").strip()
    raise UnsupportedMedia(f"it is an ISO media file of brand {brand!r}, not MP4 or 3GP")


def _office_open_xml_type(path: Path) -> str:
    with path.open("rb") as file:
        entries = _zip_entry_count(file)
        if entries is None:
            raise UnsupportedMedia("it is a damaged ZIP archive")
        if entries > _ZIP_MAX_ENTRIES:
            raise UnsupportedMedia("it is a ZIP archive with too many entries to inspect")
        try:
            with zipfile.ZipFile(file) as archive:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > _CONTENT_TYPES_MAX_BYTES:
                    raise UnsupportedMedia("it is a ZIP archive, not an Office document")
                # Bounded by file_size, so a forged small size cannot inflate past the limit.
                with archive.open(info) as part:
                    content_types = part.read(_CONTENT_TYPES_MAX_BYTES + 1)
        except KeyError as missing:
            raise UnsupportedMedia("it is a ZIP archive, not an Office document") from missing
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as bad:
            # NotImplementedError: an unknown compression; RuntimeError: encrypted.
            raise UnsupportedMedia("it is a damaged or encrypted ZIP archive") from bad
    for main_part, mime in _OOXML_MAIN_PARTS.items():
        if main_part in content_types:
            return mime
    raise UnsupportedMedia("it is a ZIP archive, not a DOCX, XLSX or PPTX document")


def _zip_entry_count(file: BinaryIO) -> int | None:
    """Entries declared by the end-of-central-directory record; None if there is none.

    ZIP64 (more than 65,534 entries) counts as too many.

    Read before ``zipfile`` builds an object per entry: a 100 MB archive of empty entries would
    otherwise cost gigabytes of memory.
    """
    size = file.seek(0, 2)
    tail_length = min(size, 22 + 65535)
    file.seek(size - tail_length)
    tail = file.read(tail_length)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (entries,) = struct.unpack_from("<H", tail, at + 10)
    file.seek(0)
    return _ZIP_MAX_ENTRIES + 1 if entries == 0xFFFF else int(entries)


def _ole2_document_type(path: Path) -> str:
    try:
        names = _ole2_stream_names(path)
    except (struct.error, ValueError, OSError) as bad:
        raise UnsupportedMedia("it is a damaged Office 97-2003 file") from bad
    for stream, mime in _OLE2_STREAMS:
        if stream in names:
            return mime
    raise UnsupportedMedia("it is a compound file (an installer?), not a Word, Excel or PowerPoint")


_ENDOFCHAIN = 0xFFFFFFFE
_MAX_REGULAR_SECTOR = 0xFFFFFFFA


def _ole2_stream_names(path: Path) -> set[str]:
    """The names in an OLE2 compound file's directory, following its FAT (MS-CFB 2.2-2.6)."""
    with path.open("rb") as file:
        header = file.read(512)
        if len(header) < 512:
            raise ValueError("short header")
        (sector_shift,) = struct.unpack_from("<H", header, 0x1E)
        if sector_shift not in (9, 12):
            raise ValueError("bad sector size")
        sector_size = 1 << sector_shift
        (first_directory,) = struct.unpack_from("<I", header, 0x30)
        first_difat, difat_count = struct.unpack_from("<II", header, 0x44)
        fat_sectors = [
            s for s in struct.unpack_from("<109I", header, 0x4C) if s < _MAX_REGULAR_SECTOR
        ]
        per_sector = sector_size // 4

        def read_sector(number: int) -> bytes:
            file.seek((number + 1) * sector_size)
            data = file.read(sector_size)
            if len(data) < sector_size:
                raise ValueError("sector past the end")
            return data

        # The FAT sectors beyond the header's 109 are listed in a chain of DIFAT sectors.
        difat = first_difat
        for _ in range(min(difat_count, _OLE2_MAX_DIRECTORY_SECTORS)):
            if difat >= _MAX_REGULAR_SECTOR:
                break
            entries = struct.unpack(f"<{per_sector}I", read_sector(difat))
            fat_sectors.extend(s for s in entries[:-1] if s < _MAX_REGULAR_SECTOR)
            difat = entries[-1]

        def next_sector(number: int) -> int:
            fat_index, offset = divmod(number, per_sector)
            if fat_index >= len(fat_sectors):
                raise ValueError("sector outside the FAT")
            (following,) = struct.unpack_from("<I", read_sector(fat_sectors[fat_index]), offset * 4)
            return int(following)

        names: set[str] = set()
        sector = first_directory
        seen: set[int] = set()
        while sector != _ENDOFCHAIN:
            # A loop in the chain, or an absurdly long one, is a forged file.
            if sector in seen or len(seen) >= _OLE2_MAX_DIRECTORY_SECTORS:
                raise ValueError("directory chain loops")
            if sector >= _MAX_REGULAR_SECTOR:
                raise ValueError("bad directory sector")
            seen.add(sector)
            data = read_sector(sector)
            for entry in range(0, sector_size, 128):
                (name_length,) = struct.unpack_from("<H", data, entry + 0x40)
                object_type = data[entry + 0x42]
                if object_type in (1, 2) and 2 <= name_length <= 64:  # storage or stream
                    names.add(data[entry : entry + name_length - 2].decode("utf-16-le", "replace"))
            sector = next_sector(sector)
        return names
