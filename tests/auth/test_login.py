from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from pwdlib.hashers.bcrypt import BcryptHasher
from sqlalchemy import select

from payam.app import create_app
from payam.db.session import transaction
from payam.models import AuditLogEntry, User
from payam.runtime import Runtime
from tests.fakes.kavenegar import FakeKavenegar
from tests.support import PASSWORD, bearer, login, problem_fields, register

SARA_SMS = "09121234567"


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


@asynccontextmanager
async def client_at(runtime: Runtime, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """Another client of the same server, from its own address (its own per-address limit)."""
    transport = httpx.ASGITransport(app=create_app(runtime=runtime), client=(address, 50000))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as other:
        yield other


async def fail_then_try(
    runtime: Runtime, *, address: str, login: str, failures: int
) -> httpx.Response:
    """``failures`` wrong passwords for ``login``, then the right one of sara's account."""
    async with client_at(runtime, address) as other:
        for _ in range(failures):
            wrong = await other.post(
                "/api/v1/auth/login", json={"login": login, "password": "wrong!!!"}
            )
            assert wrong.status_code == 401
        return await other.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})


async def test_a_real_account_and_an_unknown_one_are_delayed_alike(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    await register(client)
    threshold = runtime.settings.login_lockout_threshold

    real = await fail_then_try(runtime, address="198.51.100.1", login="sara", failures=threshold)
    unknown = await fail_then_try(
        runtime, address="198.51.100.2", login="nobody", failures=threshold
    )

    assert real.status_code == unknown.status_code == 429
    assert real.headers["Retry-After"] == unknown.headers["Retry-After"]
    real_body, unknown_body = real.json(), unknown.json()
    for body in (real_body, unknown_body):
        del body["request_id"]
    assert real_body == unknown_body


async def test_the_delay_grows_with_each_failure_up_to_a_short_ceiling(
    client: httpx.AsyncClient, runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Seconds instead of the default 30 s doubling to 15 minutes, so the test can wait them out.
    monkeypatch.setattr(runtime.settings, "login_lockout_base_seconds", 1)
    monkeypatch.setattr(runtime.settings, "login_lockout_max_seconds", 2)
    # More tries than the per-login limit allows in a minute: this test is about the delay alone.
    monkeypatch.setattr(runtime.settings, "rate_limit_login", "100/minute")
    await register(client)
    threshold = runtime.settings.login_lockout_threshold

    waits = []
    for round_number in range(3):
        failures = threshold if round_number == 0 else 1
        delayed = await fail_then_try(
            runtime, address=f"198.51.100.{round_number}", login="sara", failures=failures
        )
        assert delayed.status_code == 429
        waits.append(int(delayed.headers["Retry-After"]))
        await asyncio.sleep(waits[-1])

    first, doubled, capped = waits
    assert first <= 2
    assert doubled > first
    assert capped <= doubled
    # Once the wait is over, the right password works, and the count starts over.
    await login(client, "sara")
    again = await fail_then_try(runtime, address="198.51.100.9", login="sara", failures=1)
    assert again.status_code == 200


async def test_a_delayed_owner_still_gets_in_by_code_and_a_reset_lifts_the_delay(
    client: httpx.AsyncClient, runtime: Runtime, kavenegar: FakeKavenegar
) -> None:
    await register(client)
    threshold = runtime.settings.login_lockout_threshold
    delayed = await fail_then_try(runtime, address="198.51.100.1", login="sara", failures=threshold)
    assert delayed.status_code == 429

    await client.post("/api/v1/auth/otp/request", json={"purpose": "LOGIN", "login": "sara"})
    by_code = await client.post(
        "/api/v1/auth/otp/verify",
        json={"purpose": "LOGIN", "login": "sara", "code": kavenegar.last_code_to(SARA_SMS)},
    )
    await client.post(
        "/api/v1/auth/otp/request", json={"purpose": "PASSWORD_RESET", "login": "sara"}
    )
    reset = await client.post(
        "/api/v1/auth/otp/verify",
        json={
            "purpose": "PASSWORD_RESET",
            "login": "sara",
            "code": kavenegar.last_code_to(SARA_SMS),
            "new_password": "a brand new secret",
        },
    )

    assert by_code.status_code == 200
    assert reset.status_code == 200
    await login(client, "sara", "a brand new secret")


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
