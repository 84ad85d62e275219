"""A campaign's life as its owner steers it: start, pause, resume, cancel, duplicate and retry.

Sending itself, and the refusals to start (no number, no recipients, no quota), are in
tests/dispatch; here is what each step shows the owner, and the steps refused where they do not
apply.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from payam.kit.clock import utc_now
from payam.models import CampaignStatus, RecipientStatus
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_in,
    campaign_view,
    draft_with_quota,
    phone_number,
    settle,
)
from tests.support import problem_fields

DRAFT, READY, RUNNING, PAUSED = (
    CampaignStatus.DRAFT,
    CampaignStatus.READY,
    CampaignStatus.RUNNING,
    CampaignStatus.PAUSED,
)
COMPLETED, CANCELLED = CampaignStatus.COMPLETED, CampaignStatus.CANCELLED
SENT, FAILED, UNKNOWN = RecipientStatus.SENT, RecipientStatus.FAILED, RecipientStatus.UNKNOWN
NOT_FINISHED = "Duplicate a campaign once it has finished"
NOT_STOPPED = "Retry a campaign once it has finished or is paused"


async def act(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int, action: str
) -> httpx.Response:
    return await client.post(f"/api/v1/campaigns/{campaign_id}/{action}", headers=headers)


async def campaign_ids(client: httpx.AsyncClient, headers: dict[str, str]) -> list[int]:
    page = (await client.get("/api/v1/campaigns", headers=headers)).json()
    return [item["id"] for item in page["items"]]


async def recipients_of(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> list[dict[str, Any]]:
    response = await client.get(f"/api/v1/campaigns/{campaign_id}/recipients", headers=headers)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_each_step_shows_the_owner_where_the_campaign_stands(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    campaign = await draft_with_quota(client, runtime, user, recipients=3, interval=10)
    before_start = utc_now()

    started = (await act(client, user, campaign["id"], "start")).json()
    paused = (await act(client, user, campaign["id"], "pause")).json()
    resumed = (await act(client, user, campaign["id"], "resume")).json()
    cancelled = (await act(client, user, campaign["id"], "cancel")).json()

    assert (started["status"], started["status_reason"], started["scheduled_at"]) == (
        "RUNNING",
        None,
        None,
    )
    # Three messages, ten seconds apart, on one number.
    finish = datetime.fromisoformat(started["estimated_finish_at"]) - before_start
    assert timedelta(seconds=30) <= finish < timedelta(seconds=40)
    assert (paused["status"], paused["status_reason"]) == ("PAUSED", "Paused by you")
    assert paused["estimated_finish_at"] is None
    assert (resumed["status"], resumed["status_reason"]) == ("RUNNING", None)
    assert (cancelled["status"], cancelled["status_reason"]) == ("CANCELLED", "Cancelled by you")
    assert datetime.fromisoformat(cancelled["completed_at"]) >= before_start
    assert cancelled["counts"]["pending"] == 3
    shown = await campaign_view(client, user, campaign["id"])
    assert (shown["status"], shown["completed_at"]) == ("CANCELLED", cancelled["completed_at"])


@pytest.mark.parametrize("step", ["pause", "cancel"])
async def test_a_scheduled_campaign_can_be_paused_or_cancelled_before_its_time(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], step: str
) -> None:
    campaign = await campaign_in(client, runtime, user, READY)

    response = await act(client, user, campaign["id"], step)

    assert response.status_code == 200, response.text
    expected = "PAUSED" if step == "pause" else "CANCELLED"
    assert response.json()["status"] == expected
    assert (await campaign_view(client, user, campaign["id"]))["status"] == expected


async def test_a_scheduled_campaign_paused_and_resumed_waits_for_its_time_again(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    campaign = await campaign_in(client, runtime, user, READY)
    assert (await act(client, user, campaign["id"], "pause")).status_code == 200

    resumed = await act(client, user, campaign["id"], "resume")

    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["status"], resumed.json()["scheduled_at"]) == (
        "READY",
        campaign["scheduled_at"],
    )


@pytest.mark.parametrize(
    ("state", "step"),
    [
        (RUNNING, "start"),
        (PAUSED, "start"),
        (COMPLETED, "start"),
        (DRAFT, "pause"),
        (COMPLETED, "pause"),
        (DRAFT, "resume"),
        (RUNNING, "resume"),
        (READY, "resume"),
        (COMPLETED, "cancel"),
        (CANCELLED, "cancel"),
    ],
)
async def test_a_step_that_does_not_apply_is_refused_naming_the_status(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    state: CampaignStatus,
    step: str,
) -> None:
    campaign = await campaign_in(client, runtime, user, state)

    response = await act(client, user, campaign["id"], step)

    assert response.status_code == 409, response.text
    assert problem_fields(response) == ["status"]
    assert response.json()["detail"] == f"A {state.value.lower()} campaign cannot {step}"
    after = await campaign_view(client, user, campaign["id"])
    assert (after["status"], after["updated_at"]) == (state.value, campaign["updated_at"])


async def test_a_finished_campaign_is_duplicated_with_every_recipient_waiting(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await campaign_in(client, runtime, user, RUNNING, recipients=3)
    await settle(runtime, source["id"], [SENT, FAILED, UNKNOWN], campaign_status=COMPLETED)

    response = await act(client, user, source["id"], "duplicate")

    assert response.status_code == 201, response.text
    copy = response.json()
    assert copy["id"] != source["id"]
    assert {key: copy[key] for key in ("title", "status", "status_reason")} == {
        "title": "Black Friday (copy)",
        "status": "DRAFT",
        "status_reason": None,
    }
    same = ("message", "interval_seconds", "media_id")
    assert [copy[key] for key in same] == [source[key] for key in same]
    assert copy["source_campaign_id"] == source["id"]
    assert (copy["counts"]["total"], copy["counts"]["pending"]) == (3, 3)
    assert [copy[key] for key in ("scheduled_at", "started_at", "completed_at")] == [None] * 3
    assert [
        (r["phone"], r["name"], r["status"], r["attempt"], r["error"], r["sent_at"])
        for r in await recipients_of(client, user, copy["id"])
    ] == [(phone_number(i), f"Customer {i}", "PENDING", 0, None, None) for i in range(3)]
    shown = await campaign_view(client, user, copy["id"])
    assert (shown["sender_ids"], shown["is_connected"]) == (source["sender_ids"], True)
    assert await campaign_ids(client, user) == [copy["id"], source["id"]]
    original = await campaign_view(client, user, source["id"])
    assert (original["status"], original["counts"]["failed"]) == ("COMPLETED", 1)
    # The copy is ready to go as it is.
    assert (await act(client, user, copy["id"], "start")).json()["status"] == "RUNNING"


@pytest.mark.parametrize("step", ["duplicate", "retry"])
async def test_the_answer_to_a_copy_shows_its_numbers(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], step: str
) -> None:
    source = await campaign_in(client, runtime, user, RUNNING)
    await settle(runtime, source["id"], [FAILED], campaign_status=COMPLETED)

    answer = (await act(client, user, source["id"], step)).json()

    assert (answer["sender_ids"], answer["is_connected"]) == (source["sender_ids"], True)


async def test_deleting_the_original_leaves_its_copy(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await campaign_in(client, runtime, user, CANCELLED)
    copy = (await act(client, user, source["id"], "duplicate")).json()

    deleted = await client.delete(f"/api/v1/campaigns/{source['id']}", headers=user)

    assert deleted.status_code == 204
    kept = await campaign_view(client, user, copy["id"])
    assert (kept["source_campaign_id"], kept["counts"]["total"]) == (None, 2)
    assert len(await recipients_of(client, user, copy["id"])) == 2


@pytest.mark.parametrize("state", [COMPLETED, PAUSED, CANCELLED])
async def test_a_retry_holds_only_the_failed_and_unknown_recipients(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], state: CampaignStatus
) -> None:
    source = await campaign_in(client, runtime, user, RUNNING, recipients=5)
    outcomes = [SENT, FAILED, UNKNOWN, RecipientStatus.SKIPPED, RecipientStatus.READ]
    await settle(runtime, source["id"], outcomes, campaign_status=state)

    response = await act(client, user, source["id"], "retry")

    assert response.status_code == 201, response.text
    retry = response.json()
    assert (retry["title"], retry["status"], retry["source_campaign_id"]) == (
        "Black Friday (retry)",
        "DRAFT",
        source["id"],
    )
    assert retry["message"] == source["message"]
    assert (await campaign_view(client, user, retry["id"]))["sender_ids"] == source["sender_ids"]
    assert (retry["counts"]["total"], retry["counts"]["pending"]) == (2, 2)
    assert [
        (r["phone"], r["status"], r["attempt"], r["error"])
        for r in await recipients_of(client, user, retry["id"])
    ] == [(phone_number(1), "PENDING", 0, None), (phone_number(2), "PENDING", 0, None)]
    assert (await campaign_view(client, user, source["id"]))["status"] == state.value


@pytest.mark.parametrize(
    ("state", "step", "field", "detail"),
    [
        (DRAFT, "duplicate", "status", NOT_FINISHED),
        (READY, "duplicate", "status", NOT_FINISHED),
        (RUNNING, "duplicate", "status", NOT_FINISHED),
        (PAUSED, "duplicate", "status", NOT_FINISHED),
        (DRAFT, "retry", "status", NOT_STOPPED),
        (READY, "retry", "status", NOT_STOPPED),
        (RUNNING, "retry", "status", NOT_STOPPED),
        (COMPLETED, "retry", "recipients", "No failed or unknown recipients to retry"),
    ],
)
async def test_a_copy_that_cannot_be_made_is_refused_naming_why_and_nothing_is_made(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    state: CampaignStatus,
    step: str,
    field: str,
    detail: str,
) -> None:
    campaign = await campaign_in(client, runtime, user, state)
    if state is not COMPLETED:
        # Someone to retry: only the campaign's state stands in the way.
        await settle(runtime, campaign["id"], [FAILED])

    response = await act(client, user, campaign["id"], step)

    assert response.status_code == 409
    assert problem_fields(response) == [field]
    assert response.json()["detail"] == detail
    assert await campaign_ids(client, user) == [campaign["id"]]
