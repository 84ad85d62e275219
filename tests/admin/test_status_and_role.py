from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from payam.models import AuditLogEntry, UserRole
from payam.runtime import Runtime
from tests.support import PASSWORD, bearer, login, problem_fields, signed_in_admin, signed_up

USERS = "/api/v1/admin/users"
ME = "/api/v1/users/me"


async def _set_status(
    client: httpx.AsyncClient,
    admin: dict[str, Any],
    user_id: int,
    status: str,
    reason: str | None = None,
) -> httpx.Response:
    body = {"status": status} if reason is None else {"status": status, "reason": reason}
    return await client.put(f"{USERS}/{user_id}/status", headers=bearer(admin), json=body)


async def _set_role(
    client: httpx.AsyncClient, admin: dict[str, Any], user_id: int, role: str
) -> httpx.Response:
    return await client.put(f"{USERS}/{user_id}/role", headers=bearer(admin), json={"role": role})


async def _me(client: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await client.get(ME, headers=bearer(tokens))
    assert response.status_code == 200, response.text
    me: dict[str, Any] = response.json()
    return me


async def _audit_entries(runtime: Runtime, action: str) -> list[AuditLogEntry]:
    async with runtime.sessionmaker() as session:
        rows = await session.scalars(
            select(AuditLogEntry).where(AuditLogEntry.action == action).order_by(AuditLogEntry.id)
        )
        return list(rows.all())


@pytest.mark.parametrize(("status", "word"), [("BANNED", "banned"), ("INACTIVE", "inactive")])
async def test_a_suspended_user_is_locked_out_at_once(
    client: httpx.AsyncClient, runtime: Runtime, status: str, word: str
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, tokens = await signed_up(client)

    response = await _set_status(client, admin, user["id"], status, reason="spam campaigns")

    assert response.status_code == 200, response.text
    assert response.json()["status"] == status

    # The token issued before the change no longer opens anything, and says why.
    me = await client.get(ME, headers=bearer(tokens))
    assert me.status_code == 403
    problem_fields(me)
    assert me.json()["type"].endswith("/account-unavailable")
    assert word in me.json()["detail"]
    refreshed = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]}
    )
    assert refreshed.status_code == 401
    problem_fields(refreshed)

    right = await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    assert right.status_code == 403
    assert right.json()["type"].endswith("/account-unavailable")
    assert word in right.json()["detail"]
    # A wrong password learns nothing about the account's state.
    wrong = await client.post("/api/v1/auth/login", json={"login": "sara", "password": "guess!!!"})
    assert wrong.status_code == 401


async def test_reactivating_lets_the_user_sign_in_again_but_not_revive_old_sessions(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, old = await signed_up(client)
    assert (await _set_status(client, admin, user["id"], "BANNED")).status_code == 200

    response = await _set_status(client, admin, user["id"], "ACTIVE")

    assert response.status_code == 200
    assert response.json()["status"] == "ACTIVE"
    fresh = await login(client)
    assert (await _me(client, fresh))["status"] == "ACTIVE"
    assert (await client.get(ME, headers=bearer(old))).status_code == 401
    stale = await client.post("/api/v1/auth/refresh", json={"refresh_token": old["refresh_token"]})
    assert stale.status_code == 401


async def test_an_admin_may_manage_users_but_not_other_admins_or_itself(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime, username="owner", phone="09350000009")
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    other_admin = await signed_in_admin(
        client, runtime, role=UserRole.ADMIN, username="deputy", phone="09350000002"
    )
    owner_id = (await _me(client, owner))["id"]
    admin_id = (await _me(client, admin))["id"]
    other_admin_id = (await _me(client, other_admin))["id"]

    on_peer = await _set_status(client, admin, other_admin_id, "BANNED")
    on_owner = await _set_status(client, admin, owner_id, "INACTIVE")
    on_self = await _set_status(client, admin, admin_id, "INACTIVE")

    for refused in (on_peer, on_owner, on_self):
        assert refused.status_code == 403
        assert problem_fields(refused) == ["status"]
    # Refusals change nothing: everyone is still signed in.
    for tokens in (owner, admin, other_admin):
        assert (await _me(client, tokens))["status"] == "ACTIVE"


async def test_a_super_admin_may_suspend_an_admin_but_not_itself(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime, username="owner", phone="09350000009")
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    owner_id = (await _me(client, owner))["id"]
    admin_id = (await _me(client, admin))["id"]

    on_admin = await _set_status(client, owner, admin_id, "INACTIVE")
    on_self = await _set_status(client, owner, owner_id, "BANNED")

    assert on_admin.status_code == 200
    assert on_self.status_code == 403
    assert (await client.get(USERS, headers=bearer(admin))).status_code == 403
    assert (await _me(client, owner))["status"] == "ACTIVE"


async def test_changing_an_unknown_user_is_not_found(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime)

    status = await _set_status(client, owner, 987654, "BANNED")
    role = await _set_role(client, owner, 987654, "ADMIN")

    assert status.status_code == role.status_code == 404
    problem_fields(status)
    problem_fields(role)


@pytest.mark.parametrize(
    ("body", "field"),
    [({"status": "DELETED"}, "status"), ({"status": "BANNED", "until": "tomorrow"}, "until")],
)
async def test_a_bad_status_change_is_refused_by_name(
    client: httpx.AsyncClient, runtime: Runtime, body: dict[str, str], field: str
) -> None:
    owner = await signed_in_admin(client, runtime)
    user, _ = await signed_up(client)

    response = await client.put(f"{USERS}/{user['id']}/status", headers=bearer(owner), json=body)

    assert response.status_code == 422
    assert problem_fields(response) == [field]


async def test_a_plain_user_may_not_change_anyones_status(client: httpx.AsyncClient) -> None:
    sara, sara_tokens = await signed_up(client)
    omid, _ = await signed_up(
        client, username="omid", email="omid@example.com", phone="09351234567"
    )

    response = await _set_status(client, sara_tokens, omid["id"], "BANNED")

    assert response.status_code == 403
    problem_fields(response)
    assert (await _me(client, sara_tokens))["id"] == sara["id"]


async def test_only_a_super_admin_may_change_roles(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    user, tokens = await signed_up(client)

    response = await _set_role(client, admin, user["id"], "ADMIN")

    assert response.status_code == 403
    problem_fields(response)
    assert (await _me(client, tokens))["role"] == "USER"


async def test_a_new_role_takes_effect_on_tokens_already_issued(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime)
    user, tokens = await signed_up(client)
    assert (await client.get(USERS, headers=bearer(tokens))).status_code == 403

    promoted = await _set_role(client, owner, user["id"], "ADMIN")
    as_admin = await client.get(USERS, headers=bearer(tokens))
    demoted = await _set_role(client, owner, user["id"], "USER")
    as_user = await client.get(USERS, headers=bearer(tokens))

    assert promoted.status_code == 200
    assert promoted.json()["role"] == "ADMIN"
    assert as_admin.status_code == 200
    assert demoted.json()["role"] == "USER"
    assert as_user.status_code == 403


async def test_a_super_admin_cannot_change_its_own_role(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime)
    owner_id = (await _me(client, owner))["id"]

    response = await _set_role(client, owner, owner_id, "USER")

    assert response.status_code == 403
    assert problem_fields(response) == ["role"]
    assert (await _me(client, owner))["role"] == "SUPER_ADMIN"


async def test_a_status_change_is_audited_with_who_whom_and_the_request_id(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    admin_id = (await _me(client, admin))["id"]
    user, _ = await signed_up(client)

    response = await _set_status(client, admin, user["id"], "BANNED", reason="spam")

    assert response.status_code == 200
    [entry] = await _audit_entries(runtime, "admin.user_status_changed")
    assert entry.actor_id == admin_id
    assert entry.subject_user_id == user["id"]
    assert entry.request_id == response.headers["X-Request-ID"]
    assert entry.ip_address == "203.0.113.7"
    assert entry.details == {"from": "ACTIVE", "to": "BANNED", "reason": "spam"}


async def test_a_role_change_is_audited_with_who_whom_and_the_request_id(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    owner = await signed_in_admin(client, runtime)
    owner_id = (await _me(client, owner))["id"]
    user, _ = await signed_up(client)

    response = await client.put(
        f"{USERS}/{user['id']}/role",
        headers={**bearer(owner), "X-Request-ID": "support-ticket-4711"},
        json={"role": "ADMIN"},
    )

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "support-ticket-4711"
    [entry] = await _audit_entries(runtime, "admin.user_role_changed")
    assert entry.actor_id == owner_id
    assert entry.subject_user_id == user["id"]
    assert entry.request_id == "support-ticket-4711"
    assert entry.details == {"from": "USER", "to": "ADMIN"}


async def test_a_refused_change_leaves_no_audit_entry(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    admin = await signed_in_admin(client, runtime, role=UserRole.ADMIN)
    admin_id = (await _me(client, admin))["id"]

    refused = await _set_status(client, admin, admin_id, "BANNED")

    assert refused.status_code == 403
    assert await _audit_entries(runtime, "admin.user_status_changed") == []
