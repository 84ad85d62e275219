"""The audit log as admins and users read it: every security event, searchable, newest first."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from payam.config import Settings
from payam.kit.clock import utc_now
from payam.models import UserRole
from payam.runtime import Runtime
from tests.conftest import CLIENT_IP
from tests.support import PASSWORD, bearer, login, problem_fields, signed_in_admin, signed_up

AUDIT = "/api/v1/admin/audit"
MINE = "/api/v1/users/me/security-events"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # Two wrong passwords in a row start the delay: a lockout within a short test.
    return settings.model_copy(update={"login_lockout_threshold": 2})


async def _entries(
    client: httpx.AsyncClient, tokens: dict[str, Any], url: str = AUDIT, **params: Any
) -> list[dict[str, Any]]:
    response = await client.get(url, headers=bearer(tokens), params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def _user_id(client: httpx.AsyncClient, tokens: dict[str, Any]) -> int:
    found: int = (await client.get("/api/v1/users/me", headers=bearer(tokens))).json()["id"]
    return found


async def test_every_security_event_is_recorded_with_actor_subject_address_and_time(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    started = utc_now()
    admin = await signed_in_admin(client, runtime)
    admin_id = await _user_id(client, admin)
    user, tokens = await signed_up(client)
    for _ in range(2):  # the second wrong password locks the login out for a while
        wrong = await client.post("/api/v1/auth/login", json={"login": "sara", "password": "x"})
        assert wrong.status_code == 401
    refused = await client.post(
        "/api/v1/users/me/password",
        headers=bearer(tokens),
        json={"current_password": "not it at all", "new_password": "another long secret"},
    )
    assert refused.status_code == 401
    changed = await client.post(
        "/api/v1/users/me/password",
        headers=bearer(tokens),
        json={"current_password": PASSWORD, "new_password": "another long secret"},
    )
    assert changed.status_code == 204
    second = await login(client, "sara", "another long secret")
    sessions = (await client.get("/api/v1/users/me/sessions", headers=bearer(second))).json()
    other = next(row for row in sessions if not row["current"])
    ended = await client.delete(f"/api/v1/users/me/sessions/{other['id']}", headers=bearer(second))
    assert ended.status_code == 204
    reused = [second["refresh_token"]] * 2
    assert (await client.post("/api/v1/auth/refresh", json={"refresh_token": reused[0]})).is_success
    assert (
        await client.post("/api/v1/auth/refresh", json={"refresh_token": reused[1]})
    ).status_code == 401
    third = await login(client, "sara", "another long secret")
    assert (await client.post("/api/v1/auth/logout", headers=bearer(third))).status_code == 204
    role = await client.put(
        f"/api/v1/admin/users/{user['id']}/role", headers=bearer(admin), json={"role": "ADMIN"}
    )
    status = await client.put(
        f"/api/v1/admin/users/{user['id']}/status",
        headers=bearer(admin),
        json={"status": "BANNED", "reason": "spam"},
    )
    assert role.status_code == status.status_code == 200

    entries = await _entries(client, admin, user_id=user["id"], page_size=100)

    actions = [entry["action"] for entry in entries]
    for action in (
        "user.registered",
        "auth.login",
        "auth.login_failed",
        "auth.locked_out",
        "user.password_change_failed",
        "user.password_changed",
        "auth.session_ended",
        "auth.refresh_token_reused",
        "auth.logout",
        "admin.user_role_changed",
        "admin.user_status_changed",
    ):
        assert action in actions, action
    # Newest first, each with where it came from and when.
    assert actions[0] == "admin.user_status_changed"
    times = [entry["created_at"] for entry in entries]
    assert times == sorted(times, reverse=True)
    for entry in entries:
        assert entry["subject_user_id"] == user["id"] or entry["actor_id"] == user["id"]
        assert entry["ip_address"] == CLIENT_IP
        assert entry["request_id"]
        assert started - timedelta(seconds=5) <= _at(entry) <= utc_now()
    by_admin = next(entry for entry in entries if entry["action"] == "admin.user_status_changed")
    assert by_admin["actor_id"] == admin_id
    assert by_admin["details"] == {"from": "ACTIVE", "to": "BANNED", "reason": "spam"}
    lockout = next(entry for entry in entries if entry["action"] == "auth.locked_out")
    assert lockout["actor_id"] is None
    assert lockout["details"]["seconds"] > 0


def _at(entry: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(entry["created_at"])


async def test_admins_search_by_action_and_time_range_a_page_at_a_time(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    await signed_up(client)
    middle = utc_now()
    for _ in range(3):
        await login(client)

    logins = await _entries(client, admin, action="auth.login")
    later = await _entries(client, admin, action="auth.login", since=middle.isoformat())
    earlier = await _entries(client, admin, action="auth.login", until=middle.isoformat())
    page = await client.get(
        AUDIT, headers=bearer(admin), params={"action": "auth.login", "page_size": 2, "page": 2}
    )

    # The admin's own sign-in, Sara's first and three more.
    assert len(logins) == 5
    assert {entry["action"] for entry in logins} == {"auth.login"}
    assert len(later) == 3
    assert len(earlier) == 2
    assert [entry["id"] for entry in later + earlier] == [entry["id"] for entry in logins]
    assert page.json()["total"] == 5
    assert [entry["id"] for entry in page.json()["items"]] == [e["id"] for e in logins[2:4]]


async def test_a_time_range_must_have_its_zone_and_run_forward(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime)
    now = utc_now()

    naive = await client.get(AUDIT, headers=bearer(admin), params={"since": "2026-12-01T10:00:00"})
    backwards = await client.get(
        AUDIT,
        headers=bearer(admin),
        params={"since": now.isoformat(), "until": (now - timedelta(hours=1)).isoformat()},
    )

    assert naive.status_code == backwards.status_code == 422
    assert problem_fields(naive) == ["since"]
    assert problem_fields(backwards) == ["until"]


async def test_only_admins_read_the_audit_log(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    refused = await client.get(AUDIT, headers=bearer(tokens))
    anonymous = await client.get(AUDIT)

    assert refused.status_code == 403
    assert anonymous.status_code == 401
    problem_fields(refused)


async def test_a_user_sees_their_own_security_events_and_no_one_elses(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime)
    sara, tokens = await signed_up(client)
    _, omid = await signed_up(
        client, name="Omid Karimi", username="omid", email="omid@example.com", phone="09129876543"
    )
    await client.post("/api/v1/auth/login", json={"login": "sara", "password": "wrong one"})
    await client.post("/api/v1/auth/login", json={"login": "omid", "password": "wrong one"})
    made_admin = await client.put(
        f"/api/v1/admin/users/{sara['id']}/role", headers=bearer(admin), json={"role": "ADMIN"}
    )
    assert made_admin.status_code == 200
    # Not a security event: a profile change stays for admins to read.
    await client.patch("/api/v1/users/me", headers=bearer(tokens), json={"name": "Sara A."})

    mine = await _entries(client, tokens, MINE)

    assert [entry["action"] for entry in mine] == [
        "admin.user_role_changed",
        "auth.login_failed",
        "auth.login",
    ]
    assert {entry["subject_user_id"] for entry in mine} == {sara["id"]}
    assert len(await _entries(client, omid, MINE)) == 2
    assert (await client.get(MINE)).status_code == 401
