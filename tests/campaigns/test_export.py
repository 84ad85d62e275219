"""A campaign's report, as its owner downloads it: CSV and XLSX, streamed from a real server."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from python_calamine import CalamineWorkbook
from sqlalchemy import insert

from payam.app import create_app
from payam.campaigns.repository import CampaignRepository
from payam.config import Settings
from payam.db.session import transaction
from payam.models import Campaign, Recipient, RecipientStatus
from payam.runtime import Runtime
from tests.support import PROBLEM_JSON, bearer, served, signed_up

RECIPIENTS = 100_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How much the process may grow while a report of 100,000 recipients streams: a few pages of
# rows, never the report (its CSV alone is over 8 MB; as Python objects, ten times that).
MEMORY_BUDGET_BYTES = 24 * 1024 * 1024
STATUSES = list(RecipientStatus)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # One connection, and a short wait for it: a report that needed a second connection beside
    # the request's would fail here in seconds instead of hanging every request for a minute.
    return settings.model_copy(update={"database_pool_size": 1, "database_pool_timeout_seconds": 5})


def phone(index: int) -> str:
    return f"+98912{index:07d}"


async def campaign_with_recipients(runtime: Runtime, user_id: int, count: int) -> int:
    async with transaction(runtime.sessionmaker) as session:
        campaign = Campaign(
            user_id=user_id, title="Nowruz", message="Salam", total_recipients=count
        )
        session.add(campaign)
        await session.flush()
        campaign_id = campaign.id
    for start in range(0, count, 10_000):
        async with transaction(runtime.sessionmaker) as session:
            await session.execute(
                insert(Recipient),
                [
                    {
                        "campaign_id": campaign_id,
                        "phone": phone(i),
                        # A name that would run as a formula, on every seventh row.
                        "name": "=HYPERLINK(1)" if i % 7 == 0 else f"مشتری {i}",
                        "variables": {},
                        "status": STATUSES[i % len(STATUSES)],
                        "attempt": 1,
                    }
                    for i in range(start, min(start + 10_000, count))
                ],
            )
    return campaign_id


def _status_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/self/status")


class PeakGrowth:
    """How far the process's resident memory rose above where it stood when this began.

    Linux resets the peak ("VmHWM") when 5 is written to clear_refs; unlike tracemalloc, this
    costs nothing while the report streams.
    """

    def __enter__(self) -> PeakGrowth:
        Path("/proc/self/clear_refs").write_text("5")
        self._start_kib = _status_kib("VmRSS")
        self.bytes = 0
        return self

    def __exit__(self, *_: object) -> None:
        self.bytes = (_status_kib("VmHWM") - self._start_kib) * 1024


class PagesRead:
    """Counts the pages of recipients the report has read so far."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.count = 0
        original = CampaignRepository.report_page

        async def counted(repository: CampaignRepository, *args: Any, **kwargs: Any) -> Any:
            self.count += 1
            return await original(repository, *args, **kwargs)

        monkeypatch.setattr(CampaignRepository, "report_page", counted)


async def download(
    client: httpx.AsyncClient, url: str, headers: dict[str, str], pages: PagesRead
) -> tuple[httpx.Response, bytes, int, int]:
    """The response, its body, the pages read when its first bytes arrived, and the peak of
    the process's memory while it streamed. Between the first bytes and the rest, another request
    of the same user must be answered: the report holds no connection while it streams."""
    body = io.BytesIO()
    with PeakGrowth() as growth:
        async with client.stream("GET", url, headers=headers) as response:
            chunks: AsyncIterator[bytes] = response.aiter_raw()
            first = await anext(chunks)
            pages_at_first_bytes = pages.count
            me = await client.get("/api/v1/users/me", headers=headers, timeout=5)
            assert me.status_code == 200, me.text
            body.write(first)
            async for chunk in chunks:
                body.write(chunk)
    return response, body.getvalue(), pages_at_first_bytes, growth.bytes


async def test_a_large_report_streams_in_both_formats_with_one_connection(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    pages = PagesRead(monkeypatch)
    async with (
        served(create_app(runtime=runtime)) as address,
        httpx.AsyncClient(base_url=f"http://{address}", trust_env=False, timeout=120) as client,
    ):
        user, tokens = await signed_up(client)
        headers = bearer(tokens)
        campaign_id = await campaign_with_recipients(runtime, user["id"], RECIPIENTS)
        url = f"/api/v1/campaigns/{campaign_id}/export"
        total_pages = RECIPIENTS // 2000

        response, body, first_at, peak = await download(client, url, headers, pages)
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/csv; charset=utf-8"
        assert 'filename="campaign-' in response.headers["content-disposition"]
        assert first_at < total_pages, "the CSV was built before its first byte was sent"
        assert peak < MEMORY_BUDGET_BYTES, peak
        rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        assert rows[0][:3] == ["phone", "name", "status"]
        assert len(rows) == RECIPIENTS + 1
        # Phones keep their "+"; a name that would run as a formula is made plain text.
        assert rows[1][:4] == [phone(0), "'=HYPERLINK(1)", STATUSES[0].value, "1"]
        assert rows[2][:3] == [phone(1), "مشتری 1", STATUSES[1].value]
        assert rows[-1][0] == phone(RECIPIENTS - 1)

        pages.count = 0
        response, body, first_at, peak = await download(
            client, f"{url}?format=xlsx", headers, pages
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == XLSX
        assert first_at < total_pages, "the XLSX was built before its first byte was sent"
        assert peak < MEMORY_BUDGET_BYTES, peak
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(body))
        assert workbook.sheet_names == ["recipients"]
        sheet = workbook.get_sheet_by_name("recipients").to_python()
        assert len(sheet) == RECIPIENTS + 1
        # In a workbook every cell is text, so nothing needs the apostrophe.
        assert sheet[1][:4] == [phone(0), "=HYPERLINK(1)", STATUSES[0].value, "1"]
        assert sheet[-1][0] == phone(RECIPIENTS - 1)


async def test_an_empty_campaign_gives_a_report_with_its_header_alone(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user, tokens = await signed_up(client)
    campaign_id = await campaign_with_recipients(runtime, user["id"], 0)

    response = await client.get(
        f"/api/v1/campaigns/{campaign_id}/export?format=xlsx", headers=bearer(tokens)
    )

    assert response.status_code == 200
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_name(
        "recipients"
    )
    assert sheet.to_python() == [
        ["phone", "name", "status", "attempts", "error", "sent_at", "delivered_at", "read_at"]
    ]


async def test_someone_elses_report_is_not_found(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner, _ = await signed_up(client)
    campaign_id = await campaign_with_recipients(runtime, owner["id"], 3)
    _, stranger = await signed_up(
        client, username="omid", email="omid@example.com", phone="09129876543"
    )

    for file_format in ("csv", "xlsx"):
        response = await client.get(
            f"/api/v1/campaigns/{campaign_id}/export?format={file_format}",
            headers=bearer(stranger),
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == PROBLEM_JSON
