from __future__ import annotations

import hashlib

import httpx
import pytest
from sqlalchemy import func, select
from starlette.types import Message, Scope

from payam.app import create_app
from payam.config import Settings
from payam.media.service import MediaService
from payam.models import MediaFile
from payam.runtime import Runtime
from tests.media import samples
from tests.media.helpers import stored_files, upload, uploaded
from tests.support import problem_fields

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

ACCEPTED = [
    ("photo.png", samples.png(), "IMAGE", "image/png"),
    ("photo.jpg", samples.jpeg(), "IMAGE", "image/jpeg"),
    ("sticker.webp", samples.webp(), "IMAGE", "image/webp"),
    ("clip.mp4", samples.mp4(), "VIDEO", "video/mp4"),
    ("clip.3gp", samples.iso_media(b"3gp4", b"isom", b"3gp4"), "VIDEO", "video/3gpp"),
    ("song.mp3", samples.mp3(), "AUDIO", "audio/mpeg"),
    ("voice.ogg", samples.ogg_opus(), "AUDIO", "audio/ogg"),
    ("song.aac", samples.aac(), "AUDIO", "audio/aac"),
    ("song.m4a", samples.iso_media(b"M4A ", b"M4A ", b"mp42", b"isom"), "AUDIO", "audio/mp4"),
    ("voice.amr", samples.amr(), "AUDIO", "audio/amr"),
    ("menu.pdf", samples.pdf(), "DOCUMENT", "application/pdf"),
    ("letter.docx", samples.office_open_xml("docx"), "DOCUMENT", DOCX),
    ("prices.xlsx", samples.office_open_xml("xlsx"), "DOCUMENT", XLSX),
    ("slides.pptx", samples.office_open_xml("pptx"), "DOCUMENT", PPTX),
    (
        "letter.doc",
        samples.compound_file("WordDocument", "1Table"),
        "DOCUMENT",
        "application/msword",
    ),
    ("prices.xls", samples.compound_file("Workbook"), "DOCUMENT", "application/vnd.ms-excel"),
    (
        "slides.ppt",
        samples.compound_file("Current User", "PowerPoint Document"),
        "DOCUMENT",
        "application/vnd.ms-powerpoint",
    ),
    ("notes.txt", "سلام، فهرست قیمت‌ها\nLine two\n".encode(), "DOCUMENT", "text/plain"),
    ("bom.txt", b"\xef\xbb\xbfHello with a BOM\n", "DOCUMENT", "text/plain"),
]


@pytest.mark.parametrize(
    ("filename", "content", "kind", "mime_type"),
    ACCEPTED,
    ids=[case[0] for case in ACCEPTED],
)
async def test_each_accepted_format_is_stored_with_its_real_type(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    settings: Settings,
    filename: str,
    content: bytes,
    kind: str,
    mime_type: str,
) -> None:
    body = await uploaded(client, sara, content, filename=filename)

    assert body["kind"] == kind
    assert body["mime_type"] == mime_type
    assert body["filename"] == filename
    assert body["sha256"] == hashlib.sha256(content).hexdigest()
    assert body["size_bytes"] == len(content)
    [kept] = stored_files(settings)
    assert kept.read_bytes() == content
    assert ".incoming" not in kept.parts


async def test_a_directory_chain_spread_over_the_file_is_followed(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    # The Word stream's entry sits in the third directory sector, stored first on disk.
    names = [
        "SummaryInformation",
        "DocumentSummaryInformation",
        "1Table",
        "Data",
        "ObjectPool",
        "CompObj",
        "Objects",
    ]
    content = samples.compound_file(*names, "WordDocument", directory_order=(2, 0, 1))
    body = await uploaded(client, sara, content, filename="old.doc")
    assert body["mime_type"] == "application/msword"


async def test_the_type_comes_from_the_content_not_the_name_or_header(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    body = await uploaded(
        client, sara, samples.png(), filename="report.pdf", content_type="application/pdf"
    )
    assert (body["kind"], body["mime_type"]) == ("IMAGE", "image/png")


REFUSED = [
    ("invoice.jpg", samples.windows_program(), "Windows program"),
    ("run.png", samples.elf_program(), "a program"),
    ("page.txt", samples.html(), "web page"),
    ("page.html", b"\xef\xbb\xbf  \n<html><body>hi</body></html>", "web page"),
    ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "web page"),
    ("feed.txt", b'<?xml version="1.0"?><rss/>', "web page"),
    ("archive.zip", samples.plain_zip(), "ZIP archive"),
    ("macro.docx", samples.office_open_xml("docm"), "not a DOCX"),
    ("letter.odt", samples.odt(), "ZIP archive"),
    ("setup.doc", samples.compound_file("\u4840\u3f3f", "SummaryInformation"), "installer"),
    ("broken.doc", samples.compound_file("WordDocument")[:520], "damaged"),
    ("movie.mp4", samples.iso_media(b"qt  ", b"qt  "), "'qt'"),
    ("photo.jpg", samples.iso_media(b"heic", b"mif1", b"heic"), "'heic'"),
    ("voice.ogg", samples.ogg_vorbis(), "Opus"),
    ("funny.gif", samples.gif(), "GIF"),
    ("latin1.txt", "café crème".encode("latin-1"), "UTF-8 text"),
    ("nul.txt", b"hello\x00world", "UTF-8 text"),
    ("empty.txt", b"", "empty"),
]


@pytest.mark.parametrize(("filename", "content", "why"), REFUSED, ids=[case[0] for case in REFUSED])
async def test_formats_whatsapp_cannot_send_are_refused(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    runtime: Runtime,
    settings: Settings,
    filename: str,
    content: bytes,
    why: str,
) -> None:
    response = await upload(client, sara, content, filename=filename, content_type="image/jpeg")

    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["file"]
    detail = response.json()["detail"]
    assert detail.startswith("this type of file cannot be sent on WhatsApp")
    assert why in detail
    assert stored_files(settings) == []
    assert await _media_rows(runtime) == 0


async def test_text_that_stops_being_utf8_after_the_first_bytes_is_refused(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    # Far past what the first look reads: only the check of the whole stream can catch it.
    content = b"plain text line\n" * 5000 + b"\xff\xfe broken"
    response = await upload(client, sara, content, filename="long.txt")
    assert response.status_code == 422
    assert "UTF-8" in response.json()["detail"]
    assert stored_files(settings) == []


async def test_text_cut_inside_a_character_is_refused(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    content = "سلام".encode()[:-1]
    response = await upload(client, sara, content, filename="cut.txt")
    assert response.status_code == 422


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\sara\\Desktop\\notes.txt", "notes.txt"),
        ("photo\u202egnp.exe.txt", "photognp.exe.txt"),
        ("..", "attachment.txt"),
        (".hidden.txt", "hidden.txt"),
        ("  ", "attachment.txt"),
        ("فهرست‌قیمت.txt", "فهرست‌قیمت.txt"),
        ("a" * 300 + ".txt", "a" * 251 + ".txt"),
        ("a" * 300, "a" * 255),
    ],
)
async def test_file_names_are_made_safe(
    client: httpx.AsyncClient, sara: dict[str, str], sent: str, kept: str
) -> None:
    body = await uploaded(client, sara, b"some text", filename=sent)
    assert body["filename"] == kept
    assert len(body["filename"]) <= 255


async def test_a_missing_file_name_gets_one_from_the_type(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    boundary = "payam-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"\r\n\r\n'
        "just text\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = await client.post(
        "/api/v1/media",
        content=body,
        headers={**sara, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 201, response.text
    assert response.json()["filename"] == "attachment.txt"


async def test_other_form_fields_are_ignored(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    response = await client.post(
        "/api/v1/media",
        data={"caption": "hello", "other": "x"},
        files={"file": ("menu.pdf", samples.pdf(), "application/pdf")},
        headers=sara,
    )
    assert response.status_code == 201, response.text
    assert response.json()["mime_type"] == "application/pdf"


async def test_an_upload_without_the_file_field_is_refused(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    response = await client.post(
        "/api/v1/media",
        files={"attachment": ("menu.pdf", samples.pdf(), "application/pdf")},
        headers=sara,
    )
    assert response.status_code == 422
    assert problem_fields(response) == ["file"]
    assert "named 'file'" in response.json()["detail"]
    assert stored_files(settings) == []


async def test_a_body_that_is_not_multipart_is_refused(
    client: httpx.AsyncClient, sara: dict[str, str]
) -> None:
    response = await client.post("/api/v1/media", content=samples.png(), headers=sara)
    assert response.status_code == 422
    assert problem_fields(response) == ["file"]


async def test_a_broken_multipart_body_is_refused_and_leaves_nothing(
    client: httpx.AsyncClient, sara: dict[str, str], settings: Settings
) -> None:
    boundary = "payam-test-boundary"
    body = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
        "text that never ends"
    ).encode()
    response = await client.post(
        "/api/v1/media",
        content=body,
        headers={**sara, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert response.status_code == 422
    assert stored_files(settings) == []


async def test_sign_in_is_required(client: httpx.AsyncClient, settings: Settings) -> None:
    response = await upload(client, {}, samples.png())
    assert response.status_code == 401
    assert stored_files(settings) == []


async def test_a_failed_commit_takes_the_kept_file_with_it(
    client: httpx.AsyncClient,
    sara: dict[str, str],
    runtime: Runtime,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_add = MediaService.add

    async def add_then_fail(self: MediaService, *args: object, **kwargs: object) -> MediaFile:
        await real_add(self, *args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("the database went away")

    monkeypatch.setattr(MediaService, "add", add_then_fail)
    response = await upload(client, sara, samples.png(), filename="photo.png")

    assert response.status_code == 500
    assert stored_files(settings) == []
    assert await _media_rows(runtime) == 0


async def _media_rows(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        count = await session.scalar(select(func.count()).select_from(MediaFile))
    return int(count or 0)


async def test_an_upload_abandoned_midway_leaves_nothing(
    client: httpx.AsyncClient, sara: dict[str, str], runtime: Runtime, settings: Settings
) -> None:
    # Spoken to in raw ASGI, as a server does when the client hangs up halfway.
    boundary = "payam-gone"
    first = (
        (
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="big.pdf"\r\n\r\n'
        ).encode()
        + samples.pdf()
        + b"%" * 5000
    )
    messages: list[Message] = [
        {"type": "http.request", "body": first, "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    headers = [
        (b"content-type", f"multipart/form-data; boundary={boundary}".encode()),
        (b"authorization", sara["Authorization"].encode()),
    ]
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/api/v1/media",
        "raw_path": b"/api/v1/media",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("203.0.113.7", 50000),
        "server": ("testserver", 443),
    }
    await create_app(runtime=runtime)(scope, receive, send)

    assert sent[0]["status"] == 422
    assert stored_files(settings) == []
    assert await _media_rows(runtime) == 0
