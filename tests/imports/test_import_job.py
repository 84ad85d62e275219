from __future__ import annotations

import asyncio
import csv
import io
from typing import Any

import httpx
import pytest

from payam.db.session import transaction
from payam.imports.importer import run_import
from payam.imports.rejected import RejectedRows
from payam.jobs import stop_job_worker
from payam.models import Campaign, CampaignStatus
from payam.runtime import Runtime
from tests.imports.helpers import (
    campaign_total,
    import_file,
    map_columns,
    recipients,
    upload,
)

MESSY = (
    "phone,name,city\n"
    "0912 123 4567,Already there,Tabriz\n"  # row 2: in the campaign before this import
    "09351112233,Neda,Tehran\n"  # row 3
    "+989351112233,Neda again,Tehran\n"  # row 4: the same number as row 3
    "12345,Short,Qom\n"  # row 5
    "0912ABC4567,Letters,Qom\n"  # row 6
    ",No number,Qom\n"  # row 7
    "\n"  # row 8: blank, skipped without a word
    '"=HYPERLINK(""http://x.example"")",Formula,=1+2\n'  # row 9
    "09120000001,=cmd|' /C calc'!A0,@SUM(1)\n"  # row 10: a formula is data here
)


def rejected_rows(response: httpx.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith(b"\xef\xbb\xbf")  # Excel needs the BOM for Persian
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


async def test_the_job_dedupes_rejects_with_reasons_and_keeps_the_counters_true(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    first = await import_file(client, headers, campaign_id, b"09121234567\n", filename="a.csv")
    assert (first["imported"], first["rows_total"]) == (1, 1)

    done = await import_file(client, headers, campaign_id, MESSY.encode(), filename="b.csv")

    assert done["status"] == "COMPLETED", done
    assert done["rows_total"] == done["rows_read"] == 9
    assert (done["imported"], done["duplicates"], done["rejected"]) == (2, 2, 4)
    assert done["progress"] == 1.0
    assert done["error"] is None
    assert await recipients(runtime, campaign_id) == {
        "+989121234567": (None, {}),
        "+989351112233": ("Neda", {"city": "Tehran"}),
        "+989120000001": ("=cmd|' /C calc'!A0", {"city": "@SUM(1)"}),
    }
    assert await campaign_total(runtime, campaign_id) == (3, 3)

    rejected = rejected_rows(
        await client.get(f"/api/v1/imports/{done['id']}/rejected.csv", headers=headers)
    )
    assert rejected == [
        ["row", "reason", "phone", "name", "city"],
        ["5", "this phone number does not exist", "12345", "Short", "Qom"],
        [
            "6",
            "a phone number has only digits, spaces, dashes and a leading +",
            "0912ABC4567",
            "Letters",
            "Qom",
        ],
        ["7", "the phone number is empty", "", "No number", "Qom"],
        [
            "9",
            "a phone number has only digits, spaces, dashes and a leading +",
            '\'=HYPERLINK("http://x.example")',
            "Formula",
            "'=1+2",
        ],
    ]


async def test_an_import_without_rejected_rows_offers_the_header_alone(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> None:
    done = await import_file(client, headers, campaign_id, b"mobile;name\n09121234567;Ali\n")

    response = await client.get(f"/api/v1/imports/{done['id']}/rejected.csv", headers=headers)

    assert rejected_rows(response) == [["row", "reason", "mobile", "name"]]


async def test_imports_are_listed_newest_first_with_their_progress(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> None:
    older = await import_file(client, headers, campaign_id, b"09121234567\n")
    newer = await import_file(client, headers, campaign_id, b"09121234567\n09127654321\n")

    listed = await client.get(f"/api/v1/campaigns/{campaign_id}/imports", headers=headers)

    assert listed.status_code == 200
    assert [(i["id"], i["imported"], i["duplicates"]) for i in listed.json()] == [
        (newer["id"], 1, 1),
        (older["id"], 1, 0),
    ]


async def test_a_finished_import_run_again_imports_nothing_twice(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    done = await import_file(client, headers, campaign_id, MESSY.encode())

    await run_import(runtime, done["id"])  # the queue delivered the message a second time

    again = (await client.get(f"/api/v1/imports/{done['id']}", headers=headers)).json()
    assert again == done
    assert await campaign_total(runtime, campaign_id) == (3, 3)


async def queued_import(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int, content: bytes
) -> int:
    """An import mapped and QUEUED, whose message no worker will pick up: the test runs it."""
    stop_job_worker()
    uploaded = await upload(client, headers, campaign_id, content)
    assert uploaded.status_code == 201, uploaded.text
    preview = uploaded.json()
    mapped = await map_columns(client, headers, preview["id"], **preview["mapping"])
    assert mapped.status_code == 202, mapped.text
    import_id: int = preview["id"]
    return import_id


async def test_a_run_that_crashed_mid_batch_is_resumed_without_duplicates(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    campaign_id: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_id = await queued_import(client, headers, campaign_id, MESSY.encode())
    write = RejectedRows.write
    calls = 0

    def crash_in_third_batch(self: RejectedRows, rows: list[Any]) -> None:
        # The worker dies after writing the batch's rejected rows, before the commit.
        nonlocal calls
        calls += 1
        write(self, rows)
        if calls == 3:
            raise RuntimeError("worker killed")

    monkeypatch.setattr(RejectedRows, "write", crash_in_third_batch)
    with pytest.raises(RuntimeError, match="worker killed"):
        await run_import(runtime, import_id, batch_rows=3)

    halfway = (await client.get(f"/api/v1/imports/{import_id}", headers=headers)).json()
    assert (halfway["status"], halfway["rows_read"], halfway["rejected"]) == ("RUNNING", 6, 3)
    assert len(await recipients(runtime, campaign_id)) == 2
    monkeypatch.setattr(RejectedRows, "write", write)

    await run_import(runtime, import_id, batch_rows=3)  # the queue's retry

    done = (await client.get(f"/api/v1/imports/{import_id}", headers=headers)).json()
    assert done["status"] == "COMPLETED"
    assert (done["rows_read"], done["imported"], done["duplicates"], done["rejected"]) == (
        9,
        3,
        1,
        4,
    )
    assert await campaign_total(runtime, campaign_id) == (3, 3)
    rejected = rejected_rows(
        await client.get(f"/api/v1/imports/{import_id}/rejected.csv", headers=headers)
    )
    assert [row[0] for row in rejected[1:]] == ["5", "6", "7", "9"]


async def test_two_runs_of_one_import_at_once_insert_each_recipient_once(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    lines = [f"0912{n:07d},Person {n}" for n in range(40)] + ["bad,Nobody"] * 5
    import_id = await queued_import(client, headers, campaign_id, "\n".join(lines * 2).encode())

    await asyncio.gather(
        run_import(runtime, import_id, batch_rows=7), run_import(runtime, import_id, batch_rows=7)
    )

    done = (await client.get(f"/api/v1/imports/{import_id}", headers=headers)).json()
    assert done["status"] == "COMPLETED"
    assert (done["rows_read"], done["imported"], done["duplicates"], done["rejected"]) == (
        90,
        40,
        40,
        10,
    )
    assert await campaign_total(runtime, campaign_id) == (40, 40)
    rejected = rejected_rows(
        await client.get(f"/api/v1/imports/{import_id}/rejected.csv", headers=headers)
    )
    assert len(rejected) == 1 + 10


async def test_an_import_stops_when_the_campaign_starts_and_says_why(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], campaign_id: int
) -> None:
    import_id = await queued_import(
        client, headers, campaign_id, b"\n".join(b"0912%07d" % n for n in range(10))
    )
    async with transaction(runtime.sessionmaker) as session:
        campaign = await session.get(Campaign, campaign_id)
        assert campaign is not None
        campaign.status = CampaignStatus.RUNNING

    await run_import(runtime, import_id)

    done = (await client.get(f"/api/v1/imports/{import_id}", headers=headers)).json()
    assert done["status"] == "FAILED"
    assert "the campaign is RUNNING now" in done["error"]
    assert await campaign_total(runtime, campaign_id) == (0, 0)


async def test_rejected_rows_wait_for_the_import_to_finish(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> None:
    uploaded = (await upload(client, headers, campaign_id, b"09121234567\n")).json()

    early = await client.get(f"/api/v1/imports/{uploaded['id']}/rejected.csv", headers=headers)

    assert early.status_code == 409
    assert early.json()["errors"] == [{"field": "import_id", "reason": early.json()["detail"]}]
