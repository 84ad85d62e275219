"""API keys as a user and their systems meet them: made, used, limited, refused and revoked."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import ApiKey, AuditLogEntry
from payam.runtime import Runtime
from tests.apikeys.support import create_key, key_auth
from tests.conftest import CLIENT_IP
from tests.support import PROBLEM_JSON, signed_in_admin, signed_in_headers


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_api_key": "5/minute"})


async def test_a_key_is_shown_once_stored_hashed_and_listed_with_its_last_use(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await signed_in_headers(client)
    key = await create_key(client, headers, scopes=["read", "campaigns:write", "read"])
    secret = key["secret"]
    assert secret.startswith("pyk_")
    assert len(secret) > 40
    assert key["prefix"] == secret[:12]
    assert key["scopes"] == ["campaigns:write", "read"]
    assert key["last_used_at"] is None

    async with transaction(runtime.sessionmaker) as session:
        stored = (await session.scalars(select(ApiKey))).one()
    assert secret not in (stored.secret_hash, stored.prefix)
    assert len(stored.secret_hash) == 64

    me = await client.get("/api/v1/users/me", headers=key_auth(key))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "sara"

    listed = await client.get("/api/v1/api-keys", headers=headers)
    assert listed.status_code == 200
    [row] = listed.json()["items"]
    assert "secret" not in row
    assert row["last_used_at"] is not None
    assert row["last_used_ip"] == CLIENT_IP


async def test_last_use_is_written_at_most_once_a_minute(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await signed_in_headers(client)
    key = await create_key(client, headers)
    assert (await client.get("/api/v1/senders", headers=key_auth(key))).status_code == 200
    async with transaction(runtime.sessionmaker) as session:
        first = (await session.scalars(select(ApiKey))).one().last_used_at
    assert (await client.get("/api/v1/senders", headers=key_auth(key))).status_code == 200
    async with transaction(runtime.sessionmaker) as session:
        stored = (await session.scalars(select(ApiKey))).one()
        assert stored.last_used_at == first
        stored.last_used_at = utc_now() - timedelta(minutes=2)
    assert (await client.get("/api/v1/senders", headers=key_auth(key))).status_code == 200
    async with transaction(runtime.sessionmaker) as session:
        again = (await session.scalars(select(ApiKey))).one().last_used_at
    assert again is not None
    assert first is not None
    assert again > first


async def test_scopes_hold(client: httpx.AsyncClient) -> None:
    headers = await signed_in_headers(client)
    reader = key_auth(await create_key(client, headers, scopes=["read"]))
    sender = {"display_name": "Shop", "phone": "+989121111111"}
    refused = await client.post("/api/v1/senders", json=sender, headers=reader)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith(PROBLEM_JSON)
    assert refused.json()["type"].endswith("api-key-not-allowed")
    assert "senders:write" in refused.json()["detail"]

    writer = key_auth(await create_key(client, headers, scopes=["senders:write"]))
    assert (await client.post("/api/v1/senders", json=sender, headers=writer)).status_code == 201
    # Writing is not reading: a key gets exactly the scopes it was given.
    assert (await client.get("/api/v1/senders", headers=writer)).status_code == 403


async def test_keys_never_reach_the_account_itself_or_key_management(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await signed_in_headers(client)
    every_scope = ["read", "campaigns:write", "senders:write", "imports:write"]
    key = key_auth(await create_key(client, headers, scopes=every_scope))
    for method, path, body in [
        ("POST", "/api/v1/users/me/password", {"current_password": "x", "new_password": "y" * 12}),
        ("PATCH", "/api/v1/users/me", {"name": "Mallory"}),
        ("GET", "/api/v1/users/me/sessions", None),
        ("GET", "/api/v1/api-keys", None),
        ("POST", "/api/v1/api-keys", {"name": "more", "scopes": ["read"]}),
        ("DELETE", "/api/v1/api-keys/1", None),
        ("POST", "/api/v1/auth/logout", None),
    ]:
        answer = await client.request(method, path, json=body, headers=key)
        assert answer.status_code == 403, (path, answer.text)
        assert "API keys cannot be used here" in answer.json()["detail"]

    # Nor an admin's key the admin routes.
    admin = await signed_in_admin(client, runtime)
    admin_headers = {"Authorization": f"Bearer {admin['access_token']}"}
    admin_key = key_auth(await create_key(client, admin_headers, scopes=every_scope))
    answer = await client.get("/api/v1/admin/users", headers=admin_key)
    assert answer.status_code == 403
    assert answer.json()["type"].endswith("api-key-not-allowed")


async def test_revoked_and_expired_keys_are_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await signed_in_headers(client)
    key = await create_key(client, headers)
    revoked = await client.delete(f"/api/v1/api-keys/{key['id']}", headers=headers)
    assert revoked.status_code == 204
    answer = await client.get("/api/v1/users/me", headers=key_auth(key))
    assert answer.status_code == 401
    assert answer.json()["type"].endswith("api-key-invalid")
    assert "revoked" in answer.json()["detail"]

    soon = utc_now() + timedelta(hours=1)
    expiring = await create_key(client, headers, expires_at=soon.isoformat())
    assert (await client.get("/api/v1/users/me", headers=key_auth(expiring))).status_code == 200
    async with transaction(runtime.sessionmaker) as session:
        stored = await session.get(ApiKey, expiring["id"])
        assert stored is not None
        stored.expires_at = utc_now() - timedelta(seconds=1)
    answer = await client.get("/api/v1/users/me", headers=key_auth(expiring))
    assert answer.status_code == 401
    assert "expired" in answer.json()["detail"]

    past = await client.post(
        "/api/v1/api-keys",
        json={"name": "old", "scopes": ["read"], "expires_at": "2020-01-01T00:00:00Z"},
        headers=headers,
    )
    assert past.status_code == 422
    unknown = {"Authorization": "Bearer pyk_" + "x" * 43}
    assert (await client.get("/api/v1/users/me", headers=unknown)).status_code == 401

    other = await signed_in_headers(
        client, username="reza", email="reza@example.com", phone="09127654321"
    )
    theirs = await client.delete(f"/api/v1/api-keys/{key['id']}", headers=other)
    assert theirs.status_code == 404


async def test_a_key_works_only_from_its_allowed_addresses(client: httpx.AsyncClient) -> None:
    headers = await signed_in_headers(client)
    here = key_auth(await create_key(client, headers, allowed_networks=["203.0.113.0/24"]))
    assert (await client.get("/api/v1/users/me", headers=here)).status_code == 200
    elsewhere = key_auth(await create_key(client, headers, allowed_networks=["198.51.100.7"]))
    answer = await client.get("/api/v1/users/me", headers=elsewhere)
    assert answer.status_code == 403
    assert CLIENT_IP in answer.json()["detail"]

    bad = await client.post(
        "/api/v1/api-keys",
        json={"name": "x", "scopes": ["read"], "allowed_networks": ["not-an-address"]},
        headers=headers,
    )
    assert bad.status_code == 422


async def test_a_banned_owners_keys_stop_at_once(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await signed_in_headers(client)
    key = key_auth(await create_key(client, headers))
    me = (await client.get("/api/v1/users/me", headers=key)).json()
    admin = await signed_in_admin(client, runtime)
    banned = await client.put(
        f"/api/v1/admin/users/{me['id']}/status",
        json={"status": "BANNED"},
        headers={"Authorization": f"Bearer {admin['access_token']}"},
    )
    assert banned.status_code == 200, banned.text
    answer = await client.get("/api/v1/users/me", headers=key)
    assert answer.status_code == 403
    assert "banned" in answer.json()["detail"]


async def test_each_key_has_its_own_rate_limit(client: httpx.AsyncClient) -> None:
    headers = await signed_in_headers(client)
    key = key_auth(await create_key(client, headers))
    for _ in range(5):
        assert (await client.get("/api/v1/senders", headers=key)).status_code == 200
    limited = await client.get("/api/v1/senders", headers=key)
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    other = key_auth(await create_key(client, headers))
    assert (await client.get("/api/v1/senders", headers=other)).status_code == 200


async def test_what_a_key_does_is_attributed_to_it_in_the_audit_log(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    headers = await signed_in_headers(client)
    key = await create_key(client, headers, scopes=["senders:write"])
    sender = {"display_name": "Shop", "phone": "+989121111111"}
    created = await client.post("/api/v1/senders", json=sender, headers=key_auth(key))
    assert created.status_code == 201, created.text
    revoked = await client.delete(f"/api/v1/api-keys/{key['id']}", headers=headers)
    assert revoked.status_code == 204
    async with transaction(runtime.sessionmaker) as session:
        entries = (await session.scalars(select(AuditLogEntry))).all()
    actions = {entry.action: entry.details for entry in entries}
    assert actions["api_key.created"]["scopes"] == ["senders:write"]
    assert actions["sender.linked"]["api_key_id"] == key["id"]
    # The person revoked it: that entry is not put down to the key.
    assert actions["api_key.revoked"] == {"api_key_id": key["id"], "name": "CRM"}


async def test_each_request_with_a_key_names_it_in_the_access_log(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    headers = await signed_in_headers(client)
    key = await create_key(client, headers)
    capsys.readouterr()
    assert (await client.get("/api/v1/senders", headers=key_auth(key))).status_code == 200
    assert (await client.get("/api/v1/senders", headers=headers)).status_code == 200
    lines = [
        json.loads(line)
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("{") and '"http_request"' in line
    ]
    by_key, by_person = [line for line in lines if line["path"] == "/api/v1/senders"]
    assert by_key["api_key_id"] == key["id"]
    assert "api_key_id" not in by_person
