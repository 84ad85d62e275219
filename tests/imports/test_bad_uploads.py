"""Bad uploads get a clear 413 or 422 naming the field, and leave nothing behind."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import AsyncIterator

import httpx
import pytest

from payam.config import Settings
from payam.runtime import Runtime
from tests.imports.helpers import import_rows, paste, recipients, stored_files, upload, xlsx_bytes
from tests.support import problem_fields

PNG = (
    b"\x89PNG\r\n\x1a\n"
    + struct.pack(">I", 13)
    + b"IHDR"
    + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    + struct.pack(">I", zlib.crc32(b"IHDR" + struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)))
)


async def assert_nothing_changed(runtime: Runtime, settings: Settings, campaign_id: int) -> None:
    assert await import_rows(runtime) == 0
    assert stored_files(settings.data_dir) == []
    assert await recipients(runtime, campaign_id) == {}


def xlsx_bomb(inflated_bytes: int) -> bytes:
    """A workbook whose sheet inflates a thousandfold: a few hundred KiB holding many MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            block = b"<row/>" * (1024 * 1024 // 6)
            for _ in range(inflated_bytes // len(block)):
                sheet.write(block)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("content", "status", "reason"),
    [
        ("نام,شماره\nرضا,09121234567\n".encode("cp1256"), 422, "not UTF-8 text"),
        ("phone\n09121234567\n".encode("utf-16"), 422, "not UTF-8 text (this file is UTF-16)"),
        ("phone\n09121234567\n".encode("utf-16-le"), 422, "NUL"),
        (PNG, 422, "not a CSV or XLSX file: it looks like image/png"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), 422, "old Excel (.xls)"),
        (b"", 422, "no rows"),
        (b"\n\n \n", 422, "no rows"),
        (b"phone\n" + b"9" * (10 * 1024 * 1024) + b"\n", 413, "line 2 is longer than 64 KiB"),
        (b"phone\n091212345\xff67\n", 422, "not UTF-8 text"),
    ],
    ids=[
        "windows-1256",
        "utf-16-bom",
        "utf-16-no-bom",
        "png",
        "xls",
        "empty",
        "blank-lines",
        "10-MB-line",
        "bad-byte-later",
    ],
)
async def test_a_file_that_is_not_a_utf8_csv_is_refused_with_its_reason(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
    content: bytes,
    status: int,
    reason: str,
) -> None:
    response = await upload(client, headers, campaign_id, content, filename="list.csv")

    assert response.status_code == status, response.text
    assert problem_fields(response) == ["file"]
    assert reason.lower() in response.json()["detail"].lower()
    await assert_nothing_changed(runtime, settings, campaign_id)


async def test_an_xlsx_bomb_is_refused_before_it_is_inflated(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
) -> None:
    bomb = xlsx_bomb(200 * 1024 * 1024)
    assert len(bomb) < 1024 * 1024

    response = await upload(client, headers, campaign_id, bomb, filename="list.xlsx")

    assert response.status_code == 413, response.text
    assert problem_fields(response) == ["file"]
    assert "zip bomb" in response.json()["detail"]
    await assert_nothing_changed(runtime, settings, campaign_id)


def lying_xlsx() -> bytes:
    """A workbook whose sheet says it inflates to 1,000 bytes and inflates to 5 MiB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"<row/>" * (5 * 1024 * 1024 // 6))
    data = bytearray(buffer.getvalue())
    # Zip readers trust the central directory: rewrite the sheet's uncompressed size there.
    entry = data.rindex(b"PK\x01\x02")
    struct.pack_into("<I", data, entry + 24, 1000)
    return bytes(data)


async def test_an_xlsx_that_lies_about_its_size_is_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
) -> None:
    response = await upload(client, headers, campaign_id, lying_xlsx(), filename="list.xlsx")

    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["file"]
    assert "damaged" in response.json()["detail"]
    await assert_nothing_changed(runtime, settings, campaign_id)


async def test_a_zip_that_is_no_workbook_and_a_damaged_workbook_are_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "hello")
    workbook = xlsx_bytes([["phone"], [9121234567]])

    not_a_workbook = await upload(
        client, headers, campaign_id, buffer.getvalue(), filename="a.xlsx"
    )
    truncated = await upload(client, headers, campaign_id, workbook[: len(workbook) // 2])

    assert not_a_workbook.status_code == 422
    assert "not an XLSX workbook" in not_a_workbook.json()["detail"]
    assert truncated.status_code == 422
    assert "damaged" in truncated.json()["detail"]
    await assert_nothing_changed(runtime, settings, campaign_id)


async def test_what_is_neither_multipart_nor_json_is_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
) -> None:
    raw = await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports",
        content=b"09121234567\n",
        headers={**headers, "Content-Type": "text/csv"},
    )
    wrong_field = await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports",
        files={"upload": ("list.csv", b"09121234567\n", "text/csv")},
        headers=headers,
    )
    no_text = await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports", json={"lines": "0912"}, headers=headers
    )

    assert raw.status_code == 415
    assert problem_fields(raw) == ["file"]
    assert wrong_field.status_code == 422
    assert problem_fields(wrong_field) == ["file"]
    assert no_text.status_code == 422
    assert set(problem_fields(no_text)) == {"text", "lines"}
    await assert_nothing_changed(runtime, settings, campaign_id)


async def test_a_body_cut_off_inside_the_file_is_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
) -> None:
    boundary = "payam-test-boundary"
    cut_off = (
        f"--{boundary}\r\n"
        'Content-Disposition: form-data; name="file"; filename="list.csv"\r\n\r\n'
        "phone\n09121234567\n0912"
    ).encode()

    response = await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports",
        content=cut_off,
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )

    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["file"]
    await assert_nothing_changed(runtime, settings, campaign_id)


async def test_a_form_of_many_fields_is_refused(
    client: httpx.AsyncClient,
    runtime: Runtime,
    settings: Settings,
    headers: dict[str, str],
    campaign_id: int,
) -> None:
    response = await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports",
        data={f"field{i}": "x" for i in range(100)},
        files={"file": ("list.csv", b"09121234567\n", "text/csv")},
        headers=headers,
    )

    assert response.status_code == 422, response.text
    assert "Too many parts" in response.json()["detail"]
    await assert_nothing_changed(runtime, settings, campaign_id)


class TestLimits:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"import_max_rows": 5, "import_max_bytes": 4096})

    async def test_rows_over_the_limit_are_refused_and_a_header_is_not_counted(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        settings: Settings,
        headers: dict[str, str],
        campaign_id: int,
    ) -> None:
        six = "\n".join(f"0912{n:07d}" for n in range(6)).encode()

        too_many = await upload(client, headers, campaign_id, b"phone\n" + six)

        assert too_many.status_code == 413, too_many.text
        assert problem_fields(too_many) == ["file"]
        assert "more than 5 rows" in too_many.json()["detail"]
        await assert_nothing_changed(runtime, settings, campaign_id)

        five = "\n".join(f"0912{n:07d}" for n in range(5)).encode()
        fits = await upload(client, headers, campaign_id, b"phone\n" + five)
        assert fits.status_code == 201, fits.text
        # Read without its header row, the file would hold six rows.
        headerless = await client.put(
            f"/api/v1/imports/{fits.json()['id']}/mapping",
            json={"phone": "col1", "has_header": False},
            headers=headers,
        )
        assert headerless.status_code == 413
        assert problem_fields(headerless) == ["has_header"]

    async def test_bytes_over_the_limit_are_refused_as_they_arrive(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        settings: Settings,
        headers: dict[str, str],
        campaign_id: int,
    ) -> None:
        big = b"phone\n" + b"09121234567\n" * 400  # 4.7 KiB

        uploaded = await upload(client, headers, campaign_id, big)
        pasted = await paste(client, headers, campaign_id, big.decode())

        assert uploaded.status_code == 413
        assert problem_fields(uploaded) == ["file"]
        assert "larger than 4 KiB" in uploaded.json()["detail"]
        assert pasted.status_code == 413
        assert problem_fields(pasted) == ["text"]
        await assert_nothing_changed(runtime, settings, campaign_id)

    async def test_a_body_too_large_for_any_list_is_refused_whatever_carries_it(
        self,
        client: httpx.AsyncClient,
        runtime: Runtime,
        settings: Settings,
        headers: dict[str, str],
        campaign_id: int,
    ) -> None:
        boundary = "payam-test-boundary"

        async def padded_form() -> AsyncIterator[bytes]:
            # Streamed, so without a Content-Length: only what arrives can tell.
            yield f'--{boundary}\r\nContent-Disposition: form-data; name="padding"\r\n\r\n'.encode()
            for _ in range(16):
                yield b"x" * 64 * 1024
            yield (
                f"\r\n--{boundary}\r\n"
                'Content-Disposition: form-data; name="file"; filename="list.csv"\r\n\r\n'
                f"09121234567\n\r\n--{boundary}--\r\n"
            ).encode()

        response = await client.post(
            f"/api/v1/campaigns/{campaign_id}/imports",
            content=padded_form(),
            headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )

        assert response.status_code == 413, response.text
        assert "larger than 4 KiB" in response.json()["detail"]
        await assert_nothing_changed(runtime, settings, campaign_id)


async def test_refused_uploads_do_not_disturb_the_imports_directory(
    client: httpx.AsyncClient, settings: Settings, headers: dict[str, str], campaign_id: int
) -> None:
    accepted = await upload(client, headers, campaign_id, b"09121234567\n")
    refused = await upload(client, headers, campaign_id, PNG)

    assert (accepted.status_code, refused.status_code) == (201, 422)
    assert [path.name for path in stored_files(settings.data_dir)] == ["source.csv"]
