"""Admins over every user's campaigns and numbers: find them, stop them, suspend a number."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import SandboxMessage, UserRole
from payam.runtime import Runtime
from tests.campaign_support import (  # noqa: F401 - this module's fixtures
    campaign_view,
    create_campaign,
    grant_messages,
    link_sender,
    run_until,
    settings,
    start,
    user_id,
)
from tests.support import bearer, problem_fields, signed_in_admin, signed_in_headers

ADMIN = "/api/v1/admin"


@pytest.fixture
async def dispatcher(runtime: Runtime) -> Any:
    engine = Dispatcher(runtime, worker_id="test-worker")
    yield engine
    await engine.shutdown()


async def _owner_with_campaign(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str], *, started: bool = True
) -> tuple[dict[str, Any], dict[str, Any]]:
    await grant_messages(runtime, await user_id(client, headers), 10)
    sender = await link_sender(client, headers)
    campaign = await create_campaign(
        client, runtime, headers, sender_ids=[sender["id"]], recipients=5, interval=1
    )
    if started:
        assert (await start(client, headers, campaign["id"])).status_code == 200
    return sender, campaign


async def _accepted(runtime: Runtime) -> int:
    async with runtime.sessionmaker() as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxMessage)) or 0)


async def test_admins_search_every_users_campaigns(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = bearer(await signed_in_admin(client, runtime, role=UserRole.ADMIN))
    sara = await signed_in_headers(client)
    omid = await signed_in_headers(
        client, name="Omid Karimi", username="omid", email="o@example.com", phone="09129876543"
    )
    sara_number, running = await _owner_with_campaign(client, runtime, sara)
    _, draft = await _owner_with_campaign(client, runtime, omid, started=False)
    sara_id = await user_id(client, sara)

    async def ids(**params: Any) -> list[int]:
        response = await client.get(f"{ADMIN}/campaigns", headers=admin, params=params)
        assert response.status_code == 200, response.text
        return [row["id"] for row in response.json()["items"]]

    assert await ids() == [draft["id"], running["id"]]
    assert await ids(user_id=sara_id) == [running["id"]]
    assert await ids(status="DRAFT") == [draft["id"]]
    assert await ids(sender_id=sara_number["id"]) == [running["id"]]
    assert await ids(q="black") == [draft["id"], running["id"]]
    assert await ids(created_after=(utc_now() + timedelta(minutes=1)).isoformat()) == []
    assert await ids(created_before=(utc_now() + timedelta(minutes=1)).isoformat()) == [
        draft["id"],
        running["id"],
    ]
    newest, row = (await client.get(f"{ADMIN}/campaigns", headers=admin)).json()["items"]
    assert newest["owner_name"] == "Omid Karimi"
    assert row["user_id"] == sara_id
    assert row["owner_name"] == "Sara Ahmadi"
    assert row["counts"]["total"] == 5
    assert row["sender_ids"] == [sara_number["id"]]


async def test_an_admin_pauses_or_cancels_any_campaign_with_a_reason_its_owner_sees(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = bearer(await signed_in_admin(client, runtime, role=UserRole.ADMIN))
    sara = await signed_in_headers(client)
    _, campaign = await _owner_with_campaign(client, runtime, sara)
    url = f"{ADMIN}/campaigns/{campaign['id']}"

    paused = await client.post(f"{url}/pause", headers=admin, json={"reason": "reported as spam"})
    again = await client.post(f"{url}/pause", headers=admin, json={"reason": "twice"})
    no_reason = await client.post(f"{url}/cancel", headers=admin, json={})

    assert paused.status_code == 200, paused.text
    assert paused.json()["status"] == "PAUSED"
    view = await campaign_view(client, sara, campaign["id"])
    assert view["status"] == "PAUSED"
    assert view["status_reason"] == "Paused by an admin: reported as spam"
    assert again.status_code == 409
    assert problem_fields(again) == ["status"]
    assert no_reason.status_code == 422
    assert problem_fields(no_reason) == ["reason"]

    cancelled = await client.post(f"{url}/cancel", headers=admin, json={"reason": "fraud"})
    finished = await client.post(f"{url}/cancel", headers=admin, json={"reason": "again"})

    assert cancelled.status_code == 200
    view = await campaign_view(client, sara, campaign["id"])
    assert view["status"] == "CANCELLED"
    assert view["status_reason"] == "Cancelled by an admin: fraud"
    assert finished.status_code == 409
    missing = await client.post(
        f"{ADMIN}/campaigns/987654/pause", headers=admin, json={"reason": "x"}
    )
    assert missing.status_code == 404
    audit = await client.get(
        f"{ADMIN}/audit", headers=admin, params={"user_id": await user_id(client, sara)}
    )
    actions = [entry["action"] for entry in audit.json()["items"]]
    assert actions[:2] == ["admin.campaign_cancelled", "admin.campaign_paused"]


async def test_a_suspended_number_sends_nothing_until_restored(
    client: httpx.AsyncClient, runtime: Runtime, dispatcher: Dispatcher
) -> None:
    admin = bearer(await signed_in_admin(client, runtime, role=UserRole.ADMIN))
    sara = await signed_in_headers(client)
    number, campaign = await _owner_with_campaign(client, runtime, sara)
    await run_until(dispatcher, lambda: _accepted_at_least(runtime, 1))

    suspended = await client.post(
        f"{ADMIN}/numbers/{number['id']}/suspend", headers=admin, json={"reason": "abuse"}
    )
    before = await _accepted(runtime)
    for _ in range(40):
        await dispatcher.run_once()
    view = await campaign_view(client, sara, campaign["id"])
    resumed = await client.post(f"/api/v1/campaigns/{campaign['id']}/resume", headers=sara)

    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["suspended_reason"] == "abuse"
    assert await _accepted(runtime) == before
    assert view["status"] == "PAUSED"
    assert view["status_reason"].endswith("was suspended by an admin: abuse")
    # Nor can its owner start it again on that number.
    assert resumed.status_code == 409
    assert problem_fields(resumed) == ["sender_ids"]
    listed = await client.get(f"{ADMIN}/numbers", headers=admin, params={"suspended": True})
    assert [row["id"] for row in listed.json()["items"]] == [number["id"]]

    restored = await client.post(f"{ADMIN}/numbers/{number['id']}/restore", headers=admin)
    assert restored.status_code == 200
    assert restored.json()["suspended_at"] is None
    resumed = await client.post(f"/api/v1/campaigns/{campaign['id']}/resume", headers=sara)
    assert resumed.status_code == 200
    await run_until(dispatcher, lambda: _accepted_at_least(runtime, before + 1))


async def _accepted_at_least(runtime: Runtime, count: int) -> bool:
    return await _accepted(runtime) >= count


ADMIN_ROUTES = [
    ("GET", "/admin/users", None),
    ("GET", "/admin/users/1", None),
    ("GET", "/admin/users/1/overview", None),
    ("PUT", "/admin/users/1/status", {"status": "BANNED"}),
    ("PUT", "/admin/users/1/role", {"role": "ADMIN"}),
    ("POST", "/admin/users/1/password-reset", None),
    ("DELETE", "/admin/users/1/sessions", None),
    ("GET", "/admin/audit", None),
    ("GET", "/admin/campaigns", None),
    ("POST", "/admin/campaigns/1/pause", {"reason": "x"}),
    ("POST", "/admin/campaigns/1/cancel", {"reason": "x"}),
    ("GET", "/admin/numbers", None),
    ("POST", "/admin/numbers/1/suspend", {"reason": "x"}),
    ("POST", "/admin/numbers/1/restore", None),
    ("GET", "/admin/system", None),
]


async def test_every_admin_route_refuses_a_user(client: httpx.AsyncClient) -> None:
    headers = await signed_in_headers(client)

    for method, path, body in ADMIN_ROUTES:
        response = await client.request(method, f"/api/v1{path}", headers=headers, json=body)
        assert response.status_code == 403, (method, path, response.text)
        problem_fields(response)
