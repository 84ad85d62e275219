"""Renaming a number and changing its limits (PATCH), and unlinking it (DELETE)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import update

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import Campaign, CampaignStatus, Sender
from payam.runtime import Runtime
from tests.campaign_support import campaign_in, campaign_view, create_campaign, link_sender
from tests.support import PROBLEM_JSON, problem_fields

SENDERS = "/api/v1/senders"


@pytest.fixture
async def sender(client: httpx.AsyncClient, user: dict[str, str]) -> dict[str, Any]:
    return await link_sender(
        client,
        user,
        daily_cap=300,
        quiet_hours={"start": "23:00", "end": "06:30"},
        pause_every=40,
        pause_seconds=90,
    )


async def change(
    client: httpx.AsyncClient, headers: dict[str, str], sender_id: int, body: dict[str, Any]
) -> httpx.Response:
    return await client.patch(f"{SENDERS}/{sender_id}", json=body, headers=headers)


async def shown(
    client: httpx.AsyncClient, headers: dict[str, str], sender_id: int
) -> dict[str, Any]:
    response = await client.get(f"{SENDERS}/{sender_id}", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


async def test_a_change_touches_only_what_is_sent(
    client: httpx.AsyncClient, user: dict[str, str], sender: dict[str, Any]
) -> None:
    response = await change(
        client,
        user,
        sender["id"],
        {"display_name": "Main shop", "daily_cap": 150, "quiet_hours": None, "pause_every": None},
    )

    assert response.status_code == 200, response.text
    changed = response.json()
    assert {key: value for key, value in changed.items() if sender[key] != value} == {
        "display_name": "Main shop",
        "daily_cap": 150,
        "daily_cap_today": 150,
    }
    assert await shown(client, user, sender["id"]) == changed


async def test_new_limits_replace_the_old_and_clearing_removes_them(
    client: httpx.AsyncClient, user: dict[str, str], sender: dict[str, Any]
) -> None:
    moved = await change(
        client,
        user,
        sender["id"],
        {"quiet_hours": {"start": "21:00", "end": "09:15"}, "pause_every": 10, "pause_seconds": 5},
    )
    cleared = await change(
        client, user, sender["id"], {"clear_quiet_hours": True, "clear_pause_every": True}
    )

    assert moved.status_code == 200, moved.text
    assert [moved.json()[key] for key in ("quiet_hours", "pause_every", "pause_seconds")] == [
        {"start": "21:00", "end": "09:15"},
        10,
        5,
    ]
    assert cleared.status_code == 200, cleared.text
    after = await shown(client, user, sender["id"])
    assert [after[key] for key in ("quiet_hours", "pause_every", "pause_seconds")] == [
        None,
        None,
        5,
    ]
    assert (after["display_name"], after["daily_cap"]) == ("Shop", 300)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"daily_cap": 0}, "daily_cap"),
        ({"pause_seconds": 0}, "pause_seconds"),
        ({"quiet_hours": {"start": "7:00", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "08:00", "end": "08:00"}}, "quiet_hours"),
        ({"display_name": "Two\nlines"}, "display_name"),
        ({"phone": "09121234567"}, "phone"),
        ({"provider": "cloud"}, "provider"),
    ],
)
async def test_a_bad_change_is_refused_naming_the_field_and_changes_nothing(
    client: httpx.AsyncClient,
    user: dict[str, str],
    sender: dict[str, Any],
    body: dict[str, Any],
    field: str,
) -> None:
    response = await change(client, user, sender["id"], body)

    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert await shown(client, user, sender["id"]) == sender


async def test_a_number_in_use_by_a_draft_or_finished_campaign_is_unlinked(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    finished = await campaign_in(client, runtime, user, CampaignStatus.COMPLETED)
    [number] = finished["sender_ids"]
    spare = await link_sender(client, user, display_name="Spare")
    draft = await create_campaign(
        client, runtime, user, sender_ids=[number, spare["id"]], recipients=1
    )

    response = await client.delete(f"{SENDERS}/{number}", headers=user)

    assert response.status_code == 204, response.text
    assert response.content == b""
    assert (await client.get(f"{SENDERS}/{number}", headers=user)).status_code == 404
    assert [sender["id"] for sender in (await client.get(SENDERS, headers=user)).json()] == [
        spare["id"]
    ]
    # The campaigns stay; the number is no longer theirs.
    assert (await campaign_view(client, user, draft["id"]))["sender_ids"] == [spare["id"]]
    report = await campaign_view(client, user, finished["id"])
    assert (report["status"], report["sender_ids"], report["counts"]["delivered"]) == (
        "COMPLETED",
        [],
        2,
    )


@pytest.mark.parametrize(
    "state", [CampaignStatus.RUNNING, CampaignStatus.READY, CampaignStatus.PAUSED]
)
async def test_a_number_an_active_campaign_uses_stays_linked(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], state: CampaignStatus
) -> None:
    campaign = await campaign_in(client, runtime, user, state)
    [number] = campaign["sender_ids"]

    refused = await client.delete(f"{SENDERS}/{number}", headers=user)

    assert refused.status_code == 409
    assert problem_fields(refused) == ["sender_id"]
    assert "cancel it first" in refused.json()["detail"]
    assert (await shown(client, user, number))["status"] == "CONNECTED"
    assert (await campaign_view(client, user, campaign["id"]))["sender_ids"] == [number]
    # Once the campaign is cancelled, the number can go.
    await client.post(f"/api/v1/campaigns/{campaign['id']}/cancel", headers=user)
    assert (await client.delete(f"{SENDERS}/{number}", headers=user)).status_code == 204


@pytest.mark.parametrize(
    ("method", "body"), [("GET", None), ("PATCH", {"display_name": "Mine"}), ("DELETE", None)]
)
async def test_someone_elses_number_is_not_found(
    client: httpx.AsyncClient,
    user: dict[str, str],
    stranger: dict[str, str],
    sender: dict[str, Any],
    method: str,
    body: dict[str, Any] | None,
) -> None:
    answers = [
        await client.request(method, f"{SENDERS}/{sender_id}", json=body, headers=stranger)
        for sender_id in (sender["id"], 999_999)
    ]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert answers[0].headers["content-type"] == PROBLEM_JSON
    assert answers[0].json()["detail"] == answers[1].json()["detail"] == "No such sender"
    assert await shown(client, user, sender["id"]) == sender


async def _paced_by_the_engine(
    runtime: Runtime,
    sender_id: int,
    *,
    last_sent_ago: timedelta,
    next_send_in: timedelta,
    sent_since_pause: int = 1,
) -> datetime:
    """As the engine leaves a number: a message sent, the next held back to ``next_send_in``."""
    now = utc_now()
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Sender)
            .where(Sender.id == sender_id)
            .values(
                last_sent_at=now - last_sent_ago,
                next_send_at=now + next_send_in,
                sent_since_pause=sent_since_pause,
            )
        )
    return now - last_sent_ago


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_removing_quiet_hours_lets_the_number_send_at_once(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], sender: dict[str, Any]
) -> None:
    # Held until the old quiet window (23:00-06:30) ends, hours away.
    await _paced_by_the_engine(
        runtime, sender["id"], last_sent_ago=timedelta(hours=1), next_send_in=timedelta(hours=6)
    )

    before = utc_now()
    response = await change(client, user, sender["id"], {"clear_quiet_hours": True})

    assert response.status_code == 200, response.text
    assert _at(response.json()["next_send_at"]) <= utc_now()
    assert _at(response.json()["next_send_at"]) >= before - timedelta(seconds=1)
    assert (await shown(client, user, sender["id"]))["next_send_at"] == response.json()[
        "next_send_at"
    ]


async def test_a_shorter_pause_applies_at_once_but_never_before_the_interval(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    campaign = await campaign_in(client, runtime, user, CampaignStatus.RUNNING)
    sender_id = campaign["sender_ids"][0]
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(Campaign).values(interval_seconds=20))
    # The last send started a 300 s pause (the default), 5 s ago.
    last_sent_at = await _paced_by_the_engine(
        runtime,
        sender_id,
        last_sent_ago=timedelta(seconds=5),
        next_send_in=timedelta(seconds=295),
        sent_since_pause=0,
    )
    await change(client, user, sender_id, {"pause_every": 50})

    response = await change(client, user, sender_id, {"pause_seconds": 10})

    assert response.status_code == 200, response.text
    # The pause is now 10 s, but the campaign's 20 s interval still holds.
    next_send_at = _at(response.json()["next_send_at"])
    assert abs(next_send_at - (last_sent_at + timedelta(seconds=20))) < timedelta(seconds=1)


async def test_new_quiet_hours_hold_the_number_back_at_once(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user)
    await _paced_by_the_engine(
        runtime, sender["id"], last_sent_ago=timedelta(hours=1), next_send_in=timedelta(0)
    )
    local = utc_now().astimezone(ZoneInfo("Asia/Tehran"))
    start, end = local - timedelta(hours=1), local + timedelta(hours=2)

    response = await change(
        client,
        user,
        sender["id"],
        {"quiet_hours": {"start": f"{start:%H:%M}", "end": f"{end:%H:%M}"}},
    )

    assert response.status_code == 200, response.text
    held_until = _at(response.json()["next_send_at"]).astimezone(ZoneInfo("Asia/Tehran"))
    assert held_until == end.replace(second=0, microsecond=0)
