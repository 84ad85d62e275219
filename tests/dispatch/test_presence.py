"""Recipients are checked on WhatsApp in batches before their claim, and those who are not are
skipped without a send (issue 9); the answers are remembered for the next campaign."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.dispatch.presence import CHECK_AHEAD
from payam.models import Recipient, RecipientStatus, WhatsAppPresence
from payam.providers.base import OutgoingMessage
from payam.providers.sandbox import SandboxSession, is_on_whatsapp
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_view,
    completed,
    create_campaign,
    grant_messages,
    link_sender,
    phone_number,
    run_until,
    start,
    user_id,
)
from tests.dispatch.conftest import (
    counters_match,
    hold_every_number,
    status_counts,
    two_numbers_each_with_a_campaign,
)

RATE = 0.3
HOUR = timedelta(hours=1)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"sandbox_not_on_whatsapp_rate": RATE})


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[Any]]:
    """What the engine asked the sandbox: each check's numbers, and each send's number."""
    seen: dict[str, list[Any]] = {"check": [], "send": []}
    check, send = SandboxSession.check, SandboxSession.send

    async def counted_check(self: SandboxSession, phones: list[str]) -> dict[str, bool]:
        seen["check"].append(list(phones))
        return await check(self, phones)

    async def counted_send(self: SandboxSession, message: OutgoingMessage) -> Any:
        seen["send"].append(message.to)
        return await send(self, message)

    monkeypatch.setattr(SandboxSession, "check", counted_check)
    monkeypatch.setattr(SandboxSession, "send", counted_send)
    return seen


async def run_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    *,
    sender_id: int,
    phones: list[str],
    interval: int = 0,
) -> dict[str, Any]:
    campaign = await create_campaign(
        client,
        runtime,
        headers,
        sender_ids=[sender_id],
        recipients=len(phones),
        phones=phones,
        interval=interval,
    )
    assert (await start(client, headers, campaign["id"])).status_code == 200
    engine = Dispatcher(runtime, worker_id="presence")
    try:
        await run_until(engine, lambda: completed(client, headers, campaign["id"]))
    finally:
        await engine.shutdown()
    return campaign


async def sandbox_number(
    client: httpx.AsyncClient, runtime: Runtime, headers: dict[str, str]
) -> dict[str, Any]:
    """A sandbox number, and quota for all its campaigns here."""
    await grant_messages(runtime, await user_id(client, headers), 1000)
    return await link_sender(client, headers)


async def skipped_of(runtime: Runtime, campaign_id: int) -> dict[str, str | None]:
    """The campaign's skipped recipients, and why."""
    async with transaction(runtime.sessionmaker) as session:
        rows = await session.execute(
            select(Recipient.phone, Recipient.error).where(
                Recipient.campaign_id == campaign_id, Recipient.status == RecipientStatus.SKIPPED
            )
        )
        return {row.phone: row.error for row in rows}


async def test_numbers_not_on_whatsapp_are_skipped_before_any_send_checked_in_batches(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    calls: dict[str, list[Any]],
) -> None:
    sender = await sandbox_number(client, runtime, user)
    phones = [phone_number(i) for i in range(CHECK_AHEAD + 50)]
    absent = {p for p in phones if not is_on_whatsapp(p, not_on_whatsapp_rate=RATE)}
    assert 0 < len(absent) < len(phones)

    campaign = await run_campaign(client, runtime, user, sender_id=sender["id"], phones=phones)

    assert await skipped_of(runtime, campaign["id"]) == dict.fromkeys(absent, "not on WhatsApp")
    assert not absent & set(calls["send"])  # never handed to send()
    assert sorted(calls["send"]) == sorted(set(phones) - absent)
    # Two calls for 150 recipients, each at most a batch, every number asked once.
    assert [len(asked) for asked in calls["check"]] == [CHECK_AHEAD, 50]
    view = await campaign_view(client, user, campaign["id"])
    assert view["counts"]["skipped"] == len(absent)
    assert counters_match(view, await status_counts(runtime, campaign["id"]))
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == len(phones) - len(absent)


async def test_a_paced_campaign_asks_once_for_many_sends_and_a_second_campaign_not_again(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    calls: dict[str, list[Any]],
) -> None:
    sender = await sandbox_number(client, runtime, user)
    phones = [phone_number(i) for i in range(4)]

    first = await run_campaign(
        client, runtime, user, sender_id=sender["id"], phones=phones, interval=1
    )
    assert calls["check"] == [phones]  # one call for four paced sends
    second = await run_campaign(client, runtime, user, sender_id=sender["id"], phones=phones)

    assert calls["check"] == [phones]  # remembered: not asked again
    skipped = await skipped_of(runtime, first["id"])
    assert await skipped_of(runtime, second["id"]) == skipped
    assert len(calls["send"]) == 2 * (len(phones) - len(skipped))


async def test_answers_older_than_their_setting_are_asked_again(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    settings: Settings,
    calls: dict[str, list[Any]],
) -> None:
    sender = await sandbox_number(client, runtime, user)
    phones = [phone_number(i) for i in range(3)]
    await run_campaign(client, runtime, user, sender_id=sender["id"], phones=phones)
    async with transaction(runtime.sessionmaker) as session:
        answers = (await session.scalars(select(WhatsAppPresence))).all()
        assert {answer.phone for answer in answers} == set(phones)
        for answer in answers:
            answer.checked_at -= (
                settings.whatsapp_check_ttl_hours
                if answer.on_whatsapp
                else settings.whatsapp_check_not_on_ttl_hours
            ) * HOUR

    await run_campaign(client, runtime, user, sender_id=sender["id"], phones=phones)

    assert calls["check"] == [phones, phones]


async def test_a_number_whose_check_hangs_holds_up_no_other_numbers_sends(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A transport slow to say who is on WhatsApp delays its own number's sends, not those of
    the numbers due beside it at the same tick."""
    slow, waiting, going = await two_numbers_each_with_a_campaign(client, runtime, user)
    answered = asyncio.Event()
    check = SandboxSession.check

    async def hanging_check(self: SandboxSession, phones: list[str]) -> dict[str, bool]:
        if self.identity.sender_id == slow:
            await answered.wait()
        return await check(self, phones)

    monkeypatch.setattr(SandboxSession, "check", hanging_check)
    await hold_every_number(runtime, dispatcher)

    await run_until(dispatcher, lambda: completed(client, user, going["id"]), within_seconds=5)
    assert (await campaign_view(client, user, waiting["id"]))["counts"]["sent"] == 0
    answered.set()
    await run_until(dispatcher, lambda: completed(client, user, waiting["id"]), within_seconds=5)
