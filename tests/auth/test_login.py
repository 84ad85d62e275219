from __future__ import annotations

import httpx
import pytest
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import select

from payam.db.session import transaction
from payam.models import AuditLogEntry, User
from payam.runtime import Runtime
from tests.support import PASSWORD, bearer, login, problem_fields, register


@pytest.mark.parametrize(
    "identifier", ["sara", "SARA@example.com", "0912 123 4567", "+989121234567"]
)
async def test_sign_in_with_username_email_or_phone(
    client: httpx.AsyncClient, identifier: str
) -> None:
    await register(client)

    tokens = await login(client, identifier)
    me = await client.get("/api/v1/users/me", headers=bearer(tokens))

    assert tokens["token_type"] == "bearer"
    assert tokens["refresh_token"]
    assert me.status_code == 200
    assert me.json()["username"] == "sara"


async def test_unknown_user_and_wrong_password_get_the_same_answer(
    client: httpx.AsyncClient,
) -> None:
    await register(client)

    unknown = await client.post(
        "/api/v1/auth/login", json={"login": "nobody", "password": PASSWORD}
    )
    wrong = await client.post("/api/v1/auth/login", json={"login": "sara", "password": "wrong!!!"})

    assert unknown.status_code == wrong.status_code == 401
    unknown_body, wrong_body = unknown.json(), wrong.json()
    for body in (unknown_body, wrong_body):
        del body["request_id"]
    assert unknown_body == wrong_body
    assert problem_fields(wrong) == ["login"]


async def test_repeated_failures_lock_the_account_for_growing_periods(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await register(client)
    threshold = runtime.settings.login_lockout_threshold
    for _ in range(threshold):
        failed = await client.post(
            "/api/v1/auth/login", json={"login": "sara", "password": "wrong!!!"}
        )
        assert failed.status_code == 401

    locked = await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    assert locked.status_code == 429
    first_wait = int(locked.headers["Retry-After"])
    assert 0 < first_wait <= runtime.settings.login_lockout_base_seconds + 1

    # Another failure once locked is not even checked, so it cannot extend the lock by itself;
    # but a failure after the lock ends doubles the next wait.
    async with transaction(runtime.sessionmaker) as session:
        user = (await session.scalars(select(User).where(User.username == "sara"))).one()
        user.locked_until = None
    again = await client.post("/api/v1/auth/login", json={"login": "sara", "password": "wrong!!!"})
    assert again.status_code == 401
    locked_again = await client.post(
        "/api/v1/auth/login", json={"login": "sara", "password": PASSWORD}
    )
    assert locked_again.status_code == 429
    assert int(locked_again.headers["Retry-After"]) > first_wait


async def test_failed_sign_ins_are_audited(client: httpx.AsyncClient, runtime: Runtime) -> None:
    user = await register(client)
    await client.post("/api/v1/auth/login", json={"login": "sara", "password": "wrong!!!"})

    async with transaction(runtime.sessionmaker) as session:
        actions = (
            await session.scalars(
                select(AuditLogEntry.action).where(AuditLogEntry.subject_user_id == user["id"])
            )
        ).all()
    assert "auth.login_failed" in actions


async def test_too_many_sign_in_attempts_from_one_address_are_refused(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    allowed = int(runtime.settings.rate_limit_login.split("/")[0])
    for attempt in range(allowed):
        response = await client.post(
            "/api/v1/auth/login", json={"login": f"nobody{attempt}", "password": PASSWORD}
        )
        assert response.status_code == 401

    refused = await client.post("/api/v1/auth/login", json={"login": "x", "password": PASSWORD})

    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    problem_fields(refused)


async def test_an_old_bcrypt_hash_is_upgraded_to_argon2_on_sign_in(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await register(client)
    async with transaction(runtime.sessionmaker) as session:
        user = (await session.scalars(select(User).where(User.username == "sara"))).one()
        user.password_hash = BcryptHasher().hash(PASSWORD)

    await login(client, "sara")

    async with transaction(runtime.sessionmaker) as session:
        stored = await session.scalar(select(User.password_hash).where(User.username == "sara"))
    assert stored is not None
    assert stored.startswith("$argon2id$")
    await login(client, "sara")
