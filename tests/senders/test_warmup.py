"""A number's warm-up as a client sets and sees it."""

from __future__ import annotations

import httpx

from tests.campaign_support import link_sender
from tests.support import problem_fields

SENDERS = "/api/v1/senders"


async def test_a_warming_number_shows_its_day_and_todays_cap(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user, daily_cap=500, warmup_days=14)

    assert sender["warmup_days"] == 14
    assert sender["warmup_day"] == 1
    assert sender["daily_cap_today"] == 20
    assert sender["connected_at"] is not None
    listed = (await client.get(SENDERS, headers=user)).json()
    assert [(n["id"], n["daily_cap_today"]) for n in listed] == [(sender["id"], 20)]


async def test_warm_up_can_be_turned_off_and_sandbox_numbers_start_without_one(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    plain = await link_sender(client, user, daily_cap=300)
    assert (plain["warmup_days"], plain["warmup_day"], plain["daily_cap_today"]) == (0, None, 300)

    warming = await link_sender(client, user, warmup_days=14)
    response = await client.patch(
        f"{SENDERS}/{warming['id']}", json={"warmup_days": 0}, headers=user
    )
    assert response.status_code == 200
    assert (response.json()["warmup_day"], response.json()["daily_cap_today"]) == (None, 500)

    refused = await client.patch(
        f"{SENDERS}/{warming['id']}", json={"warmup_days": 61}, headers=user
    )
    assert refused.status_code == 422
    assert "warmup_days" in problem_fields(refused)
