"""A retry is made once: asked twice (a double click, two tabs, two requests at once), the
second answer is the first's draft; the answer says how many may have had the message already."""

from __future__ import annotations

import asyncio

import httpx

from payam.models import CampaignStatus, RecipientStatus
from payam.runtime import Runtime
from tests.campaign_support import campaign_in, campaign_view, settle
from tests.support import problem_fields

COMPLETED, RUNNING = CampaignStatus.COMPLETED, CampaignStatus.RUNNING
SENT, FAILED, UNKNOWN = RecipientStatus.SENT, RecipientStatus.FAILED, RecipientStatus.UNKNOWN


async def finished_with(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    outcomes: list[RecipientStatus],
) -> int:
    source = await campaign_in(client, runtime, user, RUNNING, recipients=len(outcomes))
    await settle(runtime, source["id"], outcomes, campaign_status=COMPLETED)
    campaign_id: int = source["id"]
    return campaign_id


async def retry(
    client: httpx.AsyncClient, user: dict[str, str], campaign_id: int
) -> httpx.Response:
    return await client.post(f"/api/v1/campaigns/{campaign_id}/retry", headers=user)


async def campaign_ids(client: httpx.AsyncClient, user: dict[str, str]) -> list[int]:
    page = (await client.get("/api/v1/campaigns", headers=user)).json()
    return sorted(item["id"] for item in page["items"])


async def test_a_second_retry_answers_with_the_first_draft(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await finished_with(client, runtime, user, [SENT, FAILED, UNKNOWN])

    first = await retry(client, user, source)
    second = await retry(client, user, source)

    assert (first.status_code, second.status_code) == (201, 200), second.text
    assert second.json()["id"] == first.json()["id"]
    assert second.json()["counts"]["total"] == 2
    assert await campaign_ids(client, user) == [source, first.json()["id"]]


async def test_two_retries_at_once_make_one_draft(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await finished_with(client, runtime, user, [FAILED, UNKNOWN])

    answers = await asyncio.gather(retry(client, user, source), retry(client, user, source))

    assert sorted(answer.status_code for answer in answers) == [200, 201]
    [draft_id] = {answer.json()["id"] for answer in answers}
    assert await campaign_ids(client, user) == [source, draft_id]
    assert (await campaign_view(client, user, draft_id))["counts"]["total"] == 2


async def test_a_started_retry_is_named_and_not_made_again(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await finished_with(client, runtime, user, [FAILED, FAILED])
    draft = (await retry(client, user, source)).json()
    started = await client.post(f"/api/v1/campaigns/{draft['id']}/start", headers=user)
    assert started.status_code == 200, started.text

    again = await retry(client, user, source)

    assert again.status_code == 409
    assert problem_fields(again) == ["status"]
    assert f"Campaign {draft['id']} already retried this one" in again.json()["detail"]
    assert await campaign_ids(client, user) == [source, draft["id"]]


async def test_once_the_retry_is_deleted_the_campaign_can_be_retried_again(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await finished_with(client, runtime, user, [FAILED])
    first = (await retry(client, user, source)).json()
    deleted = await client.delete(f"/api/v1/campaigns/{first['id']}", headers=user)
    assert deleted.status_code == 204

    again = await retry(client, user, source)

    assert again.status_code == 201
    assert len(await campaign_ids(client, user)) == 2


async def test_the_retry_answer_counts_those_who_may_have_received_it(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await finished_with(client, runtime, user, [UNKNOWN, FAILED, SENT, UNKNOWN])

    first = (await retry(client, user, source)).json()
    second = (await retry(client, user, source)).json()

    assert (first["counts"]["total"], first["may_have_received"]) == (3, 2)
    assert second["may_have_received"] == 2


async def test_a_copy_tells_which_campaign_it_came_from_and_how(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    source = await finished_with(client, runtime, user, [SENT, FAILED])

    retried = (await retry(client, user, source)).json()
    duplicated = (await client.post(f"/api/v1/campaigns/{source}/duplicate", headers=user)).json()

    views = [
        await campaign_view(client, user, c) for c in (source, retried["id"], duplicated["id"])
    ]
    assert [(v["source_campaign_id"], v["copy_kind"]) for v in views] == [
        (None, None),
        (source, "RETRY"),
        (source, "DUPLICATE"),
    ]
