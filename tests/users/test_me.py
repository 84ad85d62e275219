from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy import select

from payam.kit.clock import utc_now
from payam.models import AuditLogEntry
from payam.runtime import Runtime
from tests.conftest import TEST_SECRET_KEY
from tests.fakes.kavenegar import FakeKavenegar
from tests.fakes.smtp import FakeMailbox
from tests.support import (
    PROBLEM_JSON,
    bearer,
    problem_fields,
    register,
    signed_up,
    verify_contacts,
)

ME = "/api/v1/users/me"


def _access_token(claims: dict[str, Any], *, key: str = TEST_SECRET_KEY) -> str:
    return jwt.encode(claims, key, algorithm="HS256")


async def _session_id(client: httpx.AsyncClient, tokens: dict[str, Any]) -> str:
    sessions = (await client.get(f"{ME}/sessions", headers=bearer(tokens))).json()
    session_id: str = next(row["id"] for row in sessions if row["current"])
    return session_id


async def test_me_shows_the_signed_in_user_without_secrets(client: httpx.AsyncClient) -> None:
    user, tokens = await signed_up(client)

    response = await client.get(ME, headers=bearer(tokens))

    assert response.status_code == 200
    me = response.json()
    assert me["id"] == user["id"]
    assert me["username"] == "sara"
    assert me["phone"] == "+989121234567"
    assert me["role"] == "USER"
    assert not {"password", "password_hash", "failed_login_count"} & me.keys()


async def test_me_without_a_token_asks_to_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.get(ME)

    assert response.status_code == 401
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["type"].endswith("/not-authenticated")


@pytest.mark.parametrize(
    "authorization", ["Bearer garbage", "Bearer a.b.c", "Basic c2FyYTpwYXNzd29yZA=="]
)
async def test_me_with_a_garbage_token_is_refused(
    client: httpx.AsyncClient, authorization: str
) -> None:
    await signed_up(client)

    response = await client.get(ME, headers={"Authorization": authorization})

    assert response.status_code == 401
    problem_fields(response)


async def test_an_expired_access_token_is_refused_even_for_a_live_session(
    client: httpx.AsyncClient,
) -> None:
    user, tokens = await signed_up(client)
    session_id = await _session_id(client, tokens)
    # Everything about this token is right except its age, so only expiry can refuse it.
    past = utc_now() - timedelta(hours=2)
    expired = _access_token(
        {
            "iss": "payam",
            "typ": "access",
            "sub": str(user["id"]),
            "sid": session_id,
            "iat": past,
            "exp": past + timedelta(minutes=15),
        }
    )
    fresh = _access_token(
        {
            "iss": "payam",
            "typ": "access",
            "sub": str(user["id"]),
            "sid": session_id,
            "iat": utc_now(),
            "exp": utc_now() + timedelta(minutes=15),
        }
    )

    refused = await client.get(ME, headers={"Authorization": f"Bearer {expired}"})
    accepted = await client.get(ME, headers={"Authorization": f"Bearer {fresh}"})

    assert refused.status_code == 401
    assert "expired" in refused.json()["detail"]
    problem_fields(refused)
    assert accepted.status_code == 200


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"typ": "refresh"}, TEST_SECRET_KEY),
        ({"iss": "someone-else"}, TEST_SECRET_KEY),
        ({}, "another-secret-key-that-is-long-enough-for-hs256"),
    ],
    ids=["wrong-type", "wrong-issuer", "wrong-key"],
)
async def test_a_token_payam_did_not_issue_as_an_access_token_is_refused(
    client: httpx.AsyncClient, change: dict[str, str], key: str
) -> None:
    user, tokens = await signed_up(client)
    session_id = await _session_id(client, tokens)
    claims: dict[str, Any] = {
        "iss": "payam",
        "typ": "access",
        "sub": str(user["id"]),
        "sid": session_id,
        "iat": utc_now(),
        "exp": utc_now() + timedelta(minutes=15),
        **change,
    }

    response = await client.get(
        ME, headers={"Authorization": f"Bearer {_access_token(claims, key=key)}"}
    )

    assert response.status_code == 401
    problem_fields(response)


async def test_profile_changes_are_saved_and_normalized(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    response = await client.patch(
        ME,
        headers=bearer(tokens),
        json={
            "name": "  Sara Karimi ",
            "username": "Sara.K",
            "email": "Sara.K@Example.COM",
            "phone": "۰۹۳۵ ۱۱۱ ۲۲۳۳",
            "time_zone": "Europe/Berlin",
            "locale": "en",
        },
    )
    reread = await client.get(ME, headers=bearer(tokens))

    assert response.status_code == 200, response.text
    for body in (response.json(), reread.json()):
        assert body["name"] == "Sara Karimi"
        assert body["username"] == "sara.k"
        assert body["email"] == "sara.k@example.com"
        assert body["phone"] == "+989351112233"
        assert body["time_zone"] == "Europe/Berlin"
        assert body["locale"] == "en"


async def test_a_new_email_or_phone_must_be_verified_again(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    _, tokens = await signed_up(client)
    code = kavenegar.last_code_to("09121234567")
    verified = await client.post(
        "/api/v1/auth/otp/verify",
        json={"purpose": "VERIFY_PHONE", "login": "sara", "code": code},
    )
    assert verified.status_code == 200, verified.text
    assert (await client.get(ME, headers=bearer(tokens))).json()["phone_verified"] is True

    renamed = await client.patch(ME, headers=bearer(tokens), json={"name": "Sara K"})
    same_phone = await client.patch(ME, headers=bearer(tokens), json={"phone": "+989121234567"})
    new_phone = await client.patch(ME, headers=bearer(tokens), json={"phone": "09351112233"})

    # Edits that leave the number alone, even spelled differently, keep it verified.
    assert renamed.json()["phone_verified"] is True
    assert same_phone.json()["phone_verified"] is True
    assert new_phone.json()["phone_verified"] is False
    assert new_phone.json()["phone"] == "+989351112233"


async def test_a_code_sent_to_the_old_number_cannot_verify_the_new_one(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    _, tokens = await signed_up(client)
    code_for_old_number = kavenegar.last_code_to("09121234567")
    moved = await client.patch(ME, headers=bearer(tokens), json={"phone": "09351112233"})
    assert moved.status_code == 200

    await client.post(
        "/api/v1/auth/otp/verify",
        json={"purpose": "VERIFY_PHONE", "login": "sara", "code": code_for_old_number},
    )

    # Otherwise anyone could claim a number they do not hold, and send campaigns from it.
    assert (await client.get(ME, headers=bearer(tokens))).json()["phone_verified"] is False


async def test_a_new_email_resets_its_verification(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    response = await client.patch(ME, headers=bearer(tokens), json={"email": "new@example.com"})

    assert response.status_code == 200
    assert response.json()["email"] == "new@example.com"
    assert response.json()["email_verified"] is False
    assert (await client.get(ME, headers=bearer(tokens))).json()["email_verified"] is False


@pytest.mark.parametrize(
    ("field", "value"),
    [("email", "OTHER@example.com"), ("username", "Other"), ("phone", "0935 123 4567")],
)
async def test_taking_another_accounts_username_or_verified_email_or_phone_is_a_conflict(
    client: httpx.AsyncClient,
    kavenegar: FakeKavenegar,
    mailbox: FakeMailbox,
    field: str,
    value: str,
) -> None:
    await register(
        client, username="other", email="other@example.com", phone="09351234567", name="Other"
    )
    await verify_contacts(
        client, kavenegar, mailbox, login="other", sms_to="09351234567", email="other@example.com"
    )
    _, tokens = await signed_up(client)

    response = await client.patch(ME, headers=bearer(tokens), json={field: value})
    unchanged = await client.get(ME, headers=bearer(tokens))

    assert response.status_code == 409
    assert problem_fields(response) == [field]
    assert unchanged.json()["username"] == "sara"
    assert unchanged.json()["email"] == "sara@example.com"
    assert unchanged.json()["phone"] == "+989121234567"


async def test_keeping_your_own_email_is_not_a_conflict(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)

    response = await client.patch(
        ME, headers=bearer(tokens), json={"email": "SARA@example.com", "username": "sara"}
    )

    assert response.status_code == 200
    assert response.json()["email"] == "sara@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"locale": "de"}, "locale"),
        ({"username": "9lives"}, "username"),
        ({"email": "not-an-email"}, "email"),
        ({"phone": "0912"}, "phone"),
        ({"role": "SUPER_ADMIN"}, "role"),
        ({"status": "ACTIVE"}, "status"),
    ],
)
async def test_bad_or_unknown_profile_fields_are_refused_by_name(
    client: httpx.AsyncClient, body: dict[str, str], field: str
) -> None:
    _, tokens = await signed_up(client)

    response = await client.patch(ME, headers=bearer(tokens), json=body)
    me = (await client.get(ME, headers=bearer(tokens))).json()

    assert response.status_code == 422
    assert problem_fields(response) == [field]
    assert me["role"] == "USER"
    assert me["time_zone"] == "Asia/Tehran"


async def test_changing_the_profile_needs_a_sign_in(client: httpx.AsyncClient) -> None:
    response = await client.patch(ME, json={"name": "Mallory"})

    assert response.status_code == 401
    problem_fields(response)


async def test_a_profile_change_is_audited_and_a_no_op_is_not(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    user, tokens = await signed_up(client)

    changed = await client.patch(
        ME, headers=bearer(tokens), json={"name": "Sara K", "email": "sk@example.com"}
    )
    unchanged = await client.patch(ME, headers=bearer(tokens), json={"name": "Sara K"})

    assert changed.status_code == unchanged.status_code == 200
    async with runtime.sessionmaker() as session:
        entries = (
            await session.scalars(
                select(AuditLogEntry).where(AuditLogEntry.action == "user.profile_updated")
            )
        ).all()
    [entry] = entries
    assert entry.actor_id == entry.subject_user_id == user["id"]
    assert entry.request_id == changed.headers["X-Request-ID"]
    assert entry.details == {"fields": ["email", "name"]}
