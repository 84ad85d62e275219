"""An admin's view of one user and the actions on their account."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from payam.admin.schemas import UserSort
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import MessageDay, User, UserRole
from payam.runtime import Runtime
from tests.campaign_support import (  # noqa: F401 - this module's fixtures
    campaign_view,
    create_campaign,
    grant_messages,
    link_sender,
    run_until,
    settings,
    start,
)
from tests.fakes.kavenegar import FakeKavenegar
from tests.support import PASSWORD, bearer, login, problem_fields, signed_in_admin, signed_up

USERS = "/api/v1/admin/users"
OMID = {"name": "Omid Karimi", "username": "omid", "email": "o@example.com", "phone": "09129876543"}
NIMA = {
    "name": "Nima Tehrani",
    "username": "nima",
    "email": "n@example.com",
    "phone": "09191112233",
}


@pytest.fixture
async def dispatcher(runtime: Runtime) -> Any:
    engine = Dispatcher(runtime, worker_id="test-worker")
    yield engine
    await engine.shutdown()


async def _running_campaign(
    client: httpx.AsyncClient, runtime: Runtime, tokens: dict[str, Any], *, recipients: int
) -> dict[str, Any]:
    headers = bearer(tokens)
    me = (await client.get("/api/v1/users/me", headers=headers)).json()
    await grant_messages(runtime, me["id"], recipients)
    sender = await link_sender(client, headers)
    campaign = await create_campaign(
        client, runtime, headers, sender_ids=[sender["id"]], recipients=recipients, interval=1
    )
    assert (await start(client, headers, campaign["id"])).status_code == 200
    return campaign


async def test_an_admin_sees_a_users_whole_picture(
    client: httpx.AsyncClient, runtime: Runtime, dispatcher: Dispatcher
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, tokens = await signed_up(client)
    campaign = await _running_campaign(client, runtime, tokens, recipients=3)
    await run_until(dispatcher, lambda: _sent_at_least(client, tokens, campaign["id"], 1))

    response = await client.get(f"{USERS}/{user['id']}/overview", headers=bearer(admin))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["user"]["username"] == "sara"
    assert body["user"]["messages_this_month"] >= 1
    assert body["user"]["last_login_at"] is not None
    assert body["subscription"]["active"] is True
    assert body["subscription"]["messages_granted"] == 3
    [grant] = body["grants"]
    assert grant["source"] == "ADMIN"
    assert grant["messages"] == 3
    assert body["payments"] == []
    [number] = body["numbers"]
    assert number["status"] == "CONNECTED"
    assert number["suspended_at"] is None
    assert body["campaigns_by_status"] == {"RUNNING": 1}
    [row] = body["campaigns"]
    assert row["id"] == campaign["id"]
    assert row["counts"]["total"] == 3
    assert row["sender_ids"] == [number["id"]]
    assert len(body["sessions"]) == 1
    actions = [entry["action"] for entry in body["audit"]]
    assert {"user.registered", "auth.login", "campaign.started"} <= set(actions)


async def _sent_at_least(
    client: httpx.AsyncClient, tokens: dict[str, Any], campaign_id: int, count: int
) -> bool:
    view = await campaign_view(client, bearer(tokens), campaign_id)
    reached: int = view["counts"]["sent"] + view["counts"]["delivered"] + view["counts"]["read"]
    return reached >= count


async def _page(client: httpx.AsyncClient, admin: dict[str, Any], **params: Any) -> list[str]:
    response = await client.get(USERS, headers=bearer(admin), params=params)
    assert response.status_code == 200, response.text
    return [row["username"] for row in response.json()["items"]]


async def test_admins_filter_users_by_subscription_and_activity(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    sara, _ = await signed_up(client)
    omid, _ = await signed_up(client, **OMID)
    nima = (await client.post("/api/v1/auth/register", json={**NIMA, "password": PASSWORD})).json()
    await grant_messages(runtime, sara["id"], 10)
    await grant_messages(runtime, omid["id"], 10)
    now = utc_now()
    async with transaction(runtime.sessionmaker) as session:
        # Omid's period ran out yesterday; he signed in long ago.
        await session.execute(
            update(User)
            .where(User.id == omid["id"])
            .values(
                subscription_expires_at=now - timedelta(days=1),
                last_login_at=now - timedelta(days=40),
            )
        )
        session.add_all(
            [
                MessageDay(
                    day=now.date(),
                    user_id=sara["id"],
                    sender_id=1,
                    sent=120,
                    delivered=0,
                    read=0,
                    failed=0,
                    skipped=0,
                ),
                MessageDay(
                    day=now.date(),
                    user_id=omid["id"],
                    sender_id=2,
                    sent=7,
                    delivered=0,
                    read=0,
                    failed=0,
                    skipped=0,
                ),
                # Last month's messages are not this month's.
                MessageDay(
                    day=date(2000, 1, 1),
                    user_id=omid["id"],
                    sender_id=2,
                    sent=900,
                    delivered=0,
                    read=0,
                    failed=0,
                    skipped=0,
                ),
            ]
        )

    assert await _page(client, admin, subscription="ACTIVE") == ["sara"]
    assert await _page(client, admin, subscription="EXPIRED") == ["omid"]
    assert set(await _page(client, admin, subscription="NONE")) == {"nima", "boss"}
    assert await _page(client, admin, min_messages_this_month=100) == ["sara"]
    assert await _page(client, admin, min_messages_this_month=1, max_messages_this_month=99) == [
        "omid"
    ]
    assert await _page(client, admin, last_login_before=(now - timedelta(days=30)).isoformat()) == [
        "omid"
    ]
    recent = await _page(client, admin, last_login_after=(now - timedelta(days=1)).isoformat())
    assert set(recent) == {"sara", "boss"}
    assert await _page(client, admin, never_signed_in=True) == [nima["username"]]
    page = (await client.get(USERS, headers=bearer(admin), params={"q": "sara"})).json()
    assert page["items"][0]["messages_this_month"] == 120


@pytest.mark.parametrize("sort", list(UserSort))
@pytest.mark.parametrize("order", ["asc", "desc"])
async def test_every_column_sorts_both_ways(
    client: httpx.AsyncClient, runtime: Runtime, sort: UserSort, order: str
) -> None:
    admin = await signed_in_admin(client, runtime)
    await signed_up(client)
    await signed_up(client, **OMID)
    await client.post("/api/v1/auth/register", json={**NIMA, "password": PASSWORD})

    response = await client.get(
        USERS, headers=bearer(admin), params={"sort": sort.value, "order": order}
    )

    assert response.status_code == 200, response.text
    rows = response.json()["items"]
    assert len(rows) == 4
    present = [row for row in rows if row[sort.value] is not None]
    values = [row[sort.value] for row in present]
    assert values == sorted(values, reverse=order == "desc")
    # Rows without a value (never signed in) come last.
    assert rows[: len(present)] == present


async def test_an_admin_sends_a_password_reset_code_the_user_signs_in_with(
    client: httpx.AsyncClient, runtime: Runtime, kavenegar: FakeKavenegar
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, _tokens = await signed_up(client)

    response = await client.post(f"{USERS}/{user['id']}/password-reset", headers=bearer(admin))

    assert response.status_code == 202, response.text
    assert response.json() == {"channel": "SMS"}
    code = kavenegar.last_code_to("09121234567")
    reset = await client.post(
        "/api/v1/auth/otp/verify",
        json={
            "purpose": "PASSWORD_RESET",
            "login": "sara",
            "code": code,
            "new_password": "a brand new secret",
        },
    )
    assert reset.status_code == 200, reset.text
    await login(client, "sara", "a brand new secret")
    audit = await client.get(
        "/api/v1/admin/audit", headers=bearer(admin), params={"action": "admin.password_reset_sent"}
    )
    assert [entry["subject_user_id"] for entry in audit.json()["items"]] == [user["id"]]


async def test_an_admin_ends_all_of_a_users_sessions(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, first = await signed_up(client)
    second = await login(client)

    response = await client.delete(f"{USERS}/{user['id']}/sessions", headers=bearer(admin))

    assert response.status_code == 204
    for tokens in (first, second):
        assert (await client.get("/api/v1/users/me", headers=bearer(tokens))).status_code == 401
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
        )
        assert refreshed.status_code == 401
    # The account itself is untouched: signing in again works.
    await login(client)


@pytest.mark.parametrize(("status", "said"), [("BANNED", "banned"), ("INACTIVE", "deactivated")])
async def test_suspending_a_user_pauses_their_campaigns_with_the_reason(
    client: httpx.AsyncClient,
    runtime: Runtime,
    dispatcher: Dispatcher,
    status: str,
    said: str,
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, tokens = await signed_up(client)
    campaign = await _running_campaign(client, runtime, tokens, recipients=5)
    await run_until(dispatcher, lambda: _sent_at_least(client, tokens, campaign["id"], 1))

    response = await client.put(
        f"{USERS}/{user['id']}/status",
        headers=bearer(admin),
        json={"status": status, "reason": "spam reports"},
    )
    assert response.status_code == 200
    for _ in range(30):
        await dispatcher.run_once()
    reactivated = await client.put(
        f"{USERS}/{user['id']}/status", headers=bearer(admin), json={"status": "ACTIVE"}
    )
    assert reactivated.status_code == 200

    view = await campaign_view(client, bearer(await login(client)), campaign["id"])
    assert view["status"] == "PAUSED"
    assert view["status_reason"] == f"Paused: this account was {said}: spam reports"
    # The interval is a second: nothing more went out after the first message.
    assert view["counts"]["pending"] == 4


async def test_only_a_super_admin_manages_admins(
    client: httpx.AsyncClient, runtime: Runtime, kavenegar: FakeKavenegar
) -> None:
    owner = await signed_in_admin(client, runtime, username="owner", phone="09350000009")
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    deputy = await signed_in_admin(
        client, runtime, role=UserRole.ADMIN, username="deputy", phone="09350000002"
    )
    deputy_id = (await client.get("/api/v1/users/me", headers=bearer(deputy))).json()["id"]

    refused = [
        await client.post(f"{USERS}/{deputy_id}/password-reset", headers=bearer(admin)),
        await client.delete(f"{USERS}/{deputy_id}/sessions", headers=bearer(admin)),
        await client.put(
            f"{USERS}/{deputy_id}/status", headers=bearer(admin), json={"status": "BANNED"}
        ),
    ]
    allowed = await client.delete(f"{USERS}/{deputy_id}/sessions", headers=bearer(owner))

    assert [response.status_code for response in refused] == [403, 403, 403]
    for response in refused:
        problem_fields(response)
    assert allowed.status_code == 204


async def test_the_last_super_admin_stays_whatever_two_of_them_do_at_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    first = await signed_in_admin(client, runtime, username="first", phone="09350000011")
    second = await signed_in_admin(client, runtime, username="second", phone="09350000012")
    ids = [
        (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()["id"]
        for tokens in (first, second)
    ]

    answers = await asyncio.gather(
        client.put(f"{USERS}/{ids[1]}/role", headers=bearer(first), json={"role": "USER"}),
        client.put(f"{USERS}/{ids[0]}/role", headers=bearer(second), json={"role": "USER"}),
    )

    codes = sorted(answer.status_code for answer in answers)
    assert codes[0] == 200, [answer.text for answer in answers]
    assert codes[1] in (403, 409), [answer.text for answer in answers]
    async with transaction(runtime.sessionmaker) as session:
        roles = [(await session.get(User, user_id)).role for user_id in ids]  # type: ignore[union-attr]
    assert roles.count(UserRole.SUPER_ADMIN) == 1


async def test_a_super_admin_may_ban_another_super_admin_while_one_is_left(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime, username="owner", phone="09350000009")
    other = await signed_in_admin(client, runtime, username="other", phone="09350000008")
    other_id = (await client.get("/api/v1/users/me", headers=bearer(other))).json()["id"]

    banned = await client.put(
        f"{USERS}/{other_id}/status", headers=bearer(owner), json={"status": "BANNED"}
    )

    assert banned.status_code == 200
    assert (await client.get("/api/v1/users/me", headers=bearer(owner))).status_code == 200
