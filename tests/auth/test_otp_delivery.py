"""A code whose SMS fails is sent again by a job, before its deadline; one never delivered is
told to the person who checks it. Kavenegar's loopback fake refuses as told."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.jobs import embedded_worker
from payam.models import OneTimeCode
from payam.runtime import Runtime
from tests.fakes.kavenegar import FakeKavenegar
from tests.support import problem_fields, register, wait_for

SARA_SMS = "09121234567"
NOT_SENT = "We could not send this code to your phone; request a new one"
T = TypeVar("T")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"otp_delivery_deadline_seconds": 3, "otp_resend_seconds": 0})


@pytest.fixture(autouse=True)
def jobs(settings: Settings, runtime: Runtime) -> Iterator[None]:
    with embedded_worker(settings):
        yield


async def verify(client: httpx.AsyncClient, **body: Any) -> httpx.Response:
    return await client.post("/api/v1/auth/otp/verify", json=body)


async def test_a_code_refused_twice_arrives_on_a_later_try_and_works(
    client: httpx.AsyncClient,
    kavenegar: FakeKavenegar,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    kavenegar.fail(times=2)

    await register(client)

    await wait_for(lambda: kavenegar.codes_to(SARA_SMS))
    code = kavenegar.codes_to(SARA_SMS)[-1]
    verified = await verify(client, purpose="VERIFY_PHONE", login="sara", code=code)
    assert verified.status_code == 200, verified.text
    assert len(kavenegar.received) == 3
    # Neither our logs nor the queue's (which print a failed job's arguments) show the code.
    captured = capsys.readouterr()
    assert code not in caplog.text + captured.out + captured.err


async def test_a_code_never_delivered_is_told_when_checked_and_a_new_one_works(
    client: httpx.AsyncClient, runtime: Runtime, kavenegar: FakeKavenegar
) -> None:
    kavenegar.fail()
    await register(client)

    async def given_up() -> bool:
        # Checking the code counts a try; wait for the job's verdict before asking.
        async with transaction(runtime.sessionmaker) as session:
            return await session.scalar(select(OneTimeCode.undelivered_at)) is not None

    await wait_for(given_up)
    answer = await verify(client, purpose="VERIFY_PHONE", login="sara", code="000000")
    assert answer.status_code == 400
    assert (answer.json()["detail"], problem_fields(answer)) == (NOT_SENT, ["code"])
    assert kavenegar.sent == []
    tries = len(kavenegar.received)
    assert 2 <= tries <= 5  # the request's own, then the job's until the deadline
    await asyncio.sleep(1)
    assert len(kavenegar.received) == tries  # and nothing after it gave up

    kavenegar.clear()
    asked = await client.post(
        "/api/v1/auth/otp/request", json={"purpose": "VERIFY_PHONE", "login": "sara"}
    )
    assert asked.status_code == 202
    code = kavenegar.last_code_to(SARA_SMS)
    verified = await verify(client, purpose="VERIFY_PHONE", login="sara", code=code)
    assert verified.status_code == 200, verified.text


async def test_an_unknown_account_is_answered_as_before_while_the_gateway_fails(
    client: httpx.AsyncClient, kavenegar: FakeKavenegar
) -> None:
    kavenegar.fail()
    asked = await client.post(
        "/api/v1/auth/otp/request", json={"purpose": "LOGIN", "login": "09350000000"}
    )
    await asyncio.sleep(1)

    answer = await verify(client, purpose="LOGIN", login="09350000000", code="000000")

    assert asked.status_code == 202
    assert answer.status_code == 400
    assert answer.json()["type"].endswith("invalid-code")
    assert kavenegar.received == []
