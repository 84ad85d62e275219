"""Linking WhatsApp numbers, and seeing them: POST, GET /senders and GET /senders/{id}."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.campaign_support import link_sender
from tests.support import problem_fields

SENDERS = "/api/v1/senders"


async def numbers(client: httpx.AsyncClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = await client.get(SENDERS, headers=headers)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()
    return found


async def test_a_sandbox_number_links_at_once_with_its_limits(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    response = await client.post(
        SENDERS,
        json={
            "display_name": "فروشگاه مرکزی",
            "provider": "sandbox",
            "phone": "۰۹۳۵ ۱۱۱ ۲۲۳۳",
            "daily_cap": 200,
            "quiet_hours": {"start": "22:30", "end": "07:00"},
            "pause_every": 50,
            "pause_seconds": 120,
        },
        headers=user,
    )

    assert response.status_code == 201, response.text
    sender = response.json()
    assert {
        key: sender[key] for key in sender if key not in {"id", "created_at", "connected_at"}
    } == {
        "provider": "sandbox",
        "display_name": "فروشگاه مرکزی",
        "phone": "+989351112233",
        "status": "CONNECTED",
        "status_reason": None,
        "daily_cap": 200,
        "daily_cap_today": 200,
        "warmup_days": 0,
        "warmup_day": None,
        "quiet_hours": {"start": "22:30", "end": "07:00"},
        "pause_every": 50,
        "pause_seconds": 120,
        "sent_today": 0,
        "next_send_at": None,
        "typing_seconds": None,
        "cloud": None,
    }
    assert (await client.get(f"{SENDERS}/{sender['id']}", headers=user)).json() == sender
    assert await numbers(client, user) == [sender]


async def test_a_number_linked_with_a_name_alone_has_safe_defaults(
    client: httpx.AsyncClient, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user)

    assert (sender["provider"], sender["status"]) == ("sandbox", "CONNECTED")
    assert re.fullmatch(r"\+98990\d{7}", sender["phone"]), sender["phone"]
    assert [sender[key] for key in ("daily_cap", "quiet_hours", "pause_every")] == [500, None, None]
    assert sender["pause_seconds"] == 300


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider": "web", "phone": "09121112233"}, "phone"),
        ({"provider": "cloud"}, "cloud"),
        ({"provider": "telegram"}, "provider"),
        ({"phone": "12"}, "phone"),
        ({"display_name": ""}, "display_name"),
        ({"display_name": "Shop\u202eevil"}, "display_name"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"daily_cap": 100_001}, "daily_cap"),
        ({"quiet_hours": {"start": "24:00", "end": "08:00"}}, "quiet_hours.start"),
        ({"quiet_hours": {"start": "22:00", "end": "8am"}}, "quiet_hours.end"),
        ({"quiet_hours": {"start": "22:00", "end": "22:00"}}, "quiet_hours"),
        ({"pause_every": 0}, "pause_every"),
        ({"pause_seconds": 86_401}, "pause_seconds"),
        ({"status": "CONNECTED"}, "status"),
    ],
)
async def test_a_link_with_bad_input_is_refused_naming_the_field(
    client: httpx.AsyncClient, user: dict[str, str], change: dict[str, Any], field: str
) -> None:
    response = await client.post(SENDERS, json={"display_name": "Shop", **change}, headers=user)

    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]
    assert await numbers(client, user) == []


async def test_each_account_sees_only_its_own_numbers_in_the_order_linked(
    client: httpx.AsyncClient, user: dict[str, str], stranger: dict[str, str]
) -> None:
    shop = await link_sender(client, user)
    theirs = await link_sender(client, stranger, display_name="Omid's")
    branch = await link_sender(client, user, display_name="Branch")

    assert [sender["id"] for sender in await numbers(client, user)] == [shop["id"], branch["id"]]
    assert await numbers(client, stranger) == [theirs]
