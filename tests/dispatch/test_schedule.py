"""When a campaign may be scheduled: from about now up to PAYAM_SCHEDULE_HORIZON_DAYS ahead."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from payam.kit.clock import utc_now
from payam.runtime import Runtime
from tests.campaign_support import create_campaign, grant_messages, link_sender, user_id
from tests.support import problem_fields


@pytest.fixture
async def campaign(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> dict[str, Any]:
    """A campaign that could start: a connected number, a recipient and quota."""
    await grant_messages(runtime, await user_id(client, user), 10)
    sender = await link_sender(client, user)
    return await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=1)


async def start_at(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any], when: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/campaigns/{campaign['id']}/start", json={"scheduled_at": when}, headers=user
    )


def from_now(offset: timedelta) -> str:
    return (utc_now() + offset).isoformat()


@pytest.mark.parametrize(
    "when",
    [
        "2020-03-20T09:00:00+03:30",
        "1970-01-01T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "9999-12-31T23:59:59-14:00",
    ],
)
async def test_a_time_long_past_or_far_ahead_is_refused(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any], when: str
) -> None:
    response = await start_at(client, user, campaign, when)

    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["scheduled_at"]
    view = (await client.get(f"/api/v1/campaigns/{campaign['id']}", headers=user)).json()
    assert (view["status"], view["scheduled_at"]) == ("DRAFT", None)


@pytest.mark.parametrize(
    "offset", [timedelta(days=-1), timedelta(minutes=-2), timedelta(days=365, hours=1)]
)
async def test_beyond_a_minute_ago_or_the_horizon_is_refused(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any], offset: timedelta
) -> None:
    response = await start_at(client, user, campaign, from_now(offset))

    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["scheduled_at"]


async def test_a_moment_ago_starts_now(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any]
) -> None:
    response = await start_at(client, user, campaign, from_now(timedelta(seconds=-20)))

    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["scheduled_at"]) == ("RUNNING", None)


@pytest.mark.parametrize("offset", [timedelta(hours=1), timedelta(days=364)])
async def test_a_time_within_the_horizon_is_scheduled(
    client: httpx.AsyncClient, user: dict[str, str], campaign: dict[str, Any], offset: timedelta
) -> None:
    when = utc_now() + offset

    response = await start_at(client, user, campaign, when.isoformat())

    assert response.status_code == 200, response.text
    assert response.json()["status"] == "READY"
    assert datetime.fromisoformat(response.json()["scheduled_at"]) == when
