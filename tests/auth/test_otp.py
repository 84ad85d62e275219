"""One-time codes by SMS (Kavenegar fake) and e-mail (SMTP on loopback)."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import update

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import OneTimeCode
from payam.runtime import Runtime
from tests.fakes.kavenegar import FakeKavenegar
from tests.fakes.smtp import FakeMailbox
from tests.support import PASSWORD, bearer, problem_fields, register

SARA_SMS = "09121234567"


async def request_code(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/auth/otp/request", json=body)


async def verify(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/auth/otp/verify", json=body)


async def me(client: httpx.AsyncClient, tokens: dict[str, Any]) -> dict[str, Any]:
    response = await client.get("/api/v1/users/me", headers=bearer(tokens))
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_the_code_sent_at_sign_up_verifies_the_phone(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    await register(client)
    code = kavenegar.last_code_to(SARA_SMS)

    verified = await verify(client, purpose="VERIFY_PHONE", login="sara", code=code)
    tokens = (
        await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    ).json()

    assert verified.status_code == 200
    assert verified.json() == {"purpose": "VERIFY_PHONE", "tokens": None}
    assert (await me(client, tokens))["phone_verified"] is True


async def test_persian_digits_in_the_code_are_accepted(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    await register(client)
    code = kavenegar.last_code_to(SARA_SMS).translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))

    verified = await verify(client, purpose="VERIFY_PHONE", login="09121234567", code=code)

    assert verified.status_code == 200


async def test_email_is_verified_by_a_code_sent_over_smtp(
    client: httpx.AsyncClient, mailbox: FakeMailbox
) -> None:
    await register(client)

    requested = await request_code(client, purpose="VERIFY_EMAIL", login="sara")
    code = mailbox.last_code_to("sara@example.com")
    verified = await verify(client, purpose="VERIFY_EMAIL", login="sara@example.com", code=code)

    assert requested.status_code == 202
    assert verified.status_code == 200
    tokens = (
        await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    ).json()
    assert (await me(client, tokens))["email_verified"] is True


async def test_sign_in_with_a_code_instead_of_a_password(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    await register(client)

    await request_code(client, purpose="LOGIN", login="+98 912 123 4567")
    code = kavenegar.last_code_to(SARA_SMS)
    signed_in = await verify(client, purpose="LOGIN", login="09121234567", code=code)

    assert signed_in.status_code == 200
    tokens = signed_in.json()["tokens"]
    assert (await me(client, tokens))["username"] == "sara"


async def test_password_reset_by_email_code_ends_every_session(
    client: httpx.AsyncClient, mailbox: FakeMailbox
) -> None:
    await register(client)
    old_tokens = (
        await client.post("/api/v1/auth/login", json={"login": "sara", "password": PASSWORD})
    ).json()

    await request_code(client, purpose="PASSWORD_RESET", login="sara@example.com")
    code = mailbox.last_code_to("sara@example.com")
    missing_password = await verify(
        client, purpose="PASSWORD_RESET", login="sara@example.com", code=code
    )
    reset = await verify(
        client,
        purpose="PASSWORD_RESET",
        login="sara@example.com",
        code=code,
        new_password="a brand new secret",
    )

    assert missing_password.status_code == 422
    assert problem_fields(missing_password) == ["new_password"]
    assert reset.status_code == 200
    stale = await client.get("/api/v1/users/me", headers=bearer(old_tokens))
    assert stale.status_code == 401
    old_password = await client.post(
        "/api/v1/auth/login", json={"login": "sara", "password": PASSWORD}
    )
    assert old_password.status_code == 401
    new_password = await client.post(
        "/api/v1/auth/login", json={"login": "sara", "password": "a brand new secret"}
    )
    assert new_password.status_code == 200


async def test_a_reset_to_a_common_password_is_refused_and_the_code_still_works(
    client: httpx.AsyncClient, mailbox: FakeMailbox
) -> None:
    await register(client)
    await request_code(client, purpose="PASSWORD_RESET", login="sara@example.com")
    code = mailbox.last_code_to("sara@example.com")

    common = await verify(
        client, purpose="PASSWORD_RESET", login="sara", code=code, new_password="12345678"
    )
    reset = await verify(
        client, purpose="PASSWORD_RESET", login="sara", code=code, new_password="a brand new secret"
    )

    assert common.status_code == 422
    assert problem_fields(common) == ["new_password"]
    assert "most common passwords" in common.json()["errors"][0]["reason"]
    assert reset.status_code == 200


async def test_an_unknown_account_gets_the_same_answer_and_no_message(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar, mailbox: FakeMailbox
) -> None:
    await register(client)
    kavenegar.clear()

    known = await request_code(client, purpose="LOGIN", login="sara")
    unknown = await request_code(client, purpose="LOGIN", login="nobody")

    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    assert len(kavenegar.sent) == 1
    assert mailbox.messages == []


async def test_a_wrong_code_counts_and_too_many_spend_the_code(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar, runtime: Runtime
) -> None:
    await register(client)
    code = kavenegar.last_code_to(SARA_SMS)
    wrong = "000000" if code != "000000" else "111111"

    for _ in range(runtime.settings.otp_max_attempts):
        refused = await verify(client, purpose="VERIFY_PHONE", login="sara", code=wrong)
        assert refused.status_code == 400
        assert problem_fields(refused) == ["code"]
    too_late = await verify(client, purpose="VERIFY_PHONE", login="sara", code=code)

    assert too_late.status_code == 400
    assert "request a new code" in too_late.json()["detail"]


async def test_a_code_works_once(client: httpx.AsyncClient, kavenegar: FakeKavenegar) -> None:
    await register(client)
    await request_code(client, purpose="LOGIN", login="sara")
    code = kavenegar.last_code_to(SARA_SMS)

    first = await verify(client, purpose="LOGIN", login="sara", code=code)
    second = await verify(client, purpose="LOGIN", login="sara", code=code)

    assert first.status_code == 200
    assert second.status_code == 400


async def test_an_expired_code_is_refused(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar, runtime: Runtime
) -> None:
    await register(client)
    code = kavenegar.last_code_to(SARA_SMS)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(OneTimeCode).values(expires_at=utc_now()))

    expired = await verify(client, purpose="VERIFY_PHONE", login="sara", code=code)

    assert expired.status_code == 400
    assert problem_fields(expired) == ["code"]


async def test_a_new_code_replaces_the_previous_one(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar, runtime: Runtime
) -> None:
    await register(client)
    await request_code(client, purpose="LOGIN", login="sara")
    first = kavenegar.last_code_to(SARA_SMS)
    # Wait out the resend pause without sleeping: the limiter starts afresh.
    await runtime.rate_limiter.reset()
    await request_code(client, purpose="LOGIN", login="sara")
    second = kavenegar.last_code_to(SARA_SMS)

    stale = await verify(client, purpose="LOGIN", login="sara", code=first)
    fresh = await verify(client, purpose="LOGIN", login="sara", code=second)

    if first != second:
        assert stale.status_code == 400
    assert fresh.status_code == 200


async def test_asking_again_too_soon_is_refused_with_retry_after(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    await register(client)
    kavenegar.clear()

    first = await request_code(client, purpose="LOGIN", login="sara")
    again = await request_code(client, purpose="LOGIN", login="sara")
    unknown_again = await request_code(client, purpose="LOGIN", login="ghost")
    unknown_again_2 = await request_code(client, purpose="LOGIN", login="ghost")

    assert first.status_code == 202
    assert again.status_code == 429
    assert int(again.headers["Retry-After"]) > 0
    # Unknown accounts are paced the same way, so the pause reveals nothing.
    assert unknown_again.status_code == 202
    assert unknown_again_2.status_code == 429
    assert len(kavenegar.sent) == 1


async def test_spelling_the_account_another_way_sends_no_second_code(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar, mailbox: FakeMailbox
) -> None:
    await register(client)
    kavenegar.clear()

    known = [
        await request_code(client, purpose="LOGIN", login=spelling)
        for spelling in ("sara", "09121234567", "sara@example.com")
    ]
    unknown = [
        await request_code(client, purpose="LOGIN", login=spelling)
        # Two, so that the five requests stay within one address's limit.
        for spelling in ("ghost", "ghost@example.com")
    ]

    # Every answer alike, known or not: no 429 ties the spellings of one account together.
    assert {response.status_code for response in known + unknown} == {202}
    assert all(response.json() == known[0].json() for response in known + unknown)
    # One code in all, and it still works: the others were not sent, so did not replace it.
    assert len(kavenegar.sent) == 1
    assert mailbox.messages == []
    signed_in = await verify(
        client, purpose="LOGIN", login="sara", code=kavenegar.last_code_to(SARA_SMS)
    )
    assert signed_in.status_code == 200


async def test_a_code_request_with_a_bad_purpose_names_the_field(
    client: httpx.AsyncClient,
) -> None:
    response = await request_code(client, purpose="MAKE_ME_ADMIN", login="sara")

    assert response.status_code == 422
    assert problem_fields(response) == ["purpose"]


async def test_when_the_sms_gateway_fails_the_request_still_answers(
    client: httpx.AsyncClient, runtime: Runtime, kavenegar: FakeKavenegar
) -> None:
    await register(client)
    kavenegar.api_key = "rotated-key"
    try:
        response = await request_code(client, purpose="LOGIN", login="sara")
    finally:
        kavenegar.api_key = runtime.settings.kavenegar_api_key.get_secret_value()  # type: ignore[union-attr]

    assert response.status_code == 202
