"""The dispatch contract (DESIGN.md §5), driven through the API and a real dispatcher."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select, update

from payam.billing.subscriptions import SubscriptionService
from payam.config import Settings
from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher, Sent
from payam.dispatch.events import EventHandler
from payam.dispatch.reconciler import reconcile
from payam.dispatch.repository import DispatchRepository
from payam.kit.clock import utc_now
from payam.models import (
    ProviderName,
    Recipient,
    SandboxMessage,
    Sender,
    SenderStatus,
    Suppression,
)
from payam.providers.base import (
    ProviderEvent,
    ProviderSession,
    Receipt,
    ReceiptStatus,
    SenderIdentity,
)
from payam.providers.registry import build_provider, sandbox_provider
from payam.providers.sandbox import SandboxSession
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
    accepted_per_phone,
    counters_match,
    hold_every_number,
    started_campaign,
    status_counts,
    two_numbers_each_with_a_campaign,
)
from tests.support import accepted_count


async def test_a_campaign_reaches_everyone_exactly_once(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    await grant_messages(runtime, await user_id(client, user), 1000)
    sender = await link_sender(client, user)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=120
    )
    assert (await start(client, user, campaign["id"])).status_code == 200

    async def finished() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["status"] == "COMPLETED")

    await run_until(dispatcher, finished)
    # Receipts keep coming in on its numbers until it lets go of them: the counters and the
    # rows are compared once nothing moves them any more.
    await dispatcher.shutdown()

    per_phone = await accepted_per_phone(runtime)
    assert len(per_phone) == 120
    assert set(per_phone.values()) == {1}
    view = await campaign_view(client, user, campaign["id"])
    assert counters_match(view, await status_counts(runtime, campaign["id"]))
    assert view["counts"]["pending"] == 0
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == 120
    assert subscription["messages_reserved"] == 0


async def test_numbers_claiming_at_one_tick_never_share_a_recipient(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    """A number whose first campaign runs short asks its next one in a later round of the same
    claim: the recipients an earlier round gave another number must not be handed out again."""
    await grant_messages(runtime, await user_id(client, user), 100)
    first, second, shared = [(await link_sender(client, user))["id"] for _ in range(3)]
    short = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[second, shared],
        recipients=1,
        interval=5,
        phones=["+989120000999"],
    )
    busy = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[first, shared],
        recipients=2,
        interval=5,
        phones=[phone_number(0), phone_number(1)],
    )
    for campaign in (short, busy):
        assert (await start(client, user, campaign["id"])).status_code == 200
    # All three held and due at once, so their claims share one transaction.
    await hold_every_number(runtime, dispatcher)

    async def all_sent() -> bool:
        return len(await accepted_per_phone(runtime)) == 3

    await run_until(dispatcher, all_sent)
    # Receipts move the rows until the dispatcher lets go of the numbers.
    await dispatcher.shutdown()

    assert await accepted_per_phone(runtime) == {
        "+989120000999": 1,
        phone_number(0): 1,
        phone_number(1): 1,
    }
    for campaign in (short, busy):
        view = await campaign_view(client, user, campaign["id"])
        assert view["status"] == "COMPLETED"
        assert counters_match(view, await status_counts(runtime, campaign["id"]))


async def test_a_number_slow_to_connect_holds_up_no_other_numbers_sends(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """WhatsApp Web may take many seconds to connect a number: the numbers due beside it at the
    same tick send meanwhile."""
    slow, waiting, going = await two_numbers_each_with_a_campaign(client, runtime, user)
    connected = asyncio.Event()

    class SlowToConnect:
        def __init__(self, name: ProviderName, *, runtime: Runtime) -> None:
            self.provider = build_provider(name, runtime=runtime)

        async def open(self, identity: SenderIdentity) -> ProviderSession:
            if identity.sender_id == slow:
                await connected.wait()
            return await self.provider.open(identity)

    monkeypatch.setattr("payam.dispatch.engine.build_provider", SlowToConnect)
    await hold_every_number(runtime, dispatcher)

    await run_until(dispatcher, lambda: completed(client, user, going["id"]), within_seconds=10)
    assert (await campaign_view(client, user, waiting["id"]))["counts"]["sent"] == 0
    connected.set()
    await run_until(dispatcher, lambda: completed(client, user, waiting["id"]), within_seconds=10)


async def test_a_claim_that_cannot_be_recorded_leaves_no_other_unrecorded(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Outcomes are recorded in groups: one claim whose record keeps failing (a row it cannot
    write, a lock it waits on) must not take the others' outcomes down with it."""
    # No receipt within the test: what the rows show is what the engine recorded.
    runtime.settings = runtime.settings.model_copy(
        update={"sandbox_delivery_seconds": 3600, "sandbox_read_seconds": 3600}
    )
    await grant_messages(runtime, await user_id(client, user), 100)
    broken, fine = [(await link_sender(client, user))["id"] for _ in range(2)]
    await hold_every_number(runtime, dispatcher)
    await dispatcher.run_once()  # hold and connect both numbers, with nothing to send yet
    campaigns = {
        number: await create_campaign(
            client, runtime, user, sender_ids=[number], recipients=1, phones=[phone_number(number)]
        )
        for number in (broken, fine)
    }
    for campaign in campaigns.values():
        assert (await start(client, user, campaign["id"])).status_code == 200
    claims = await dispatcher._claim([broken, fine])
    sent = [
        Sent(
            claim,
            await dispatcher._send(claim, await dispatcher._session_for(claim.sender_id)),
            answered_at=utc_now(),
        )
        for claim in claims
    ]
    record = Dispatcher._record

    async def failing_for_one(self: Dispatcher, group: list[Sent]) -> None:
        if any(item.claim.sender_id == broken for item in group):
            raise RuntimeError("a row it cannot write")
        await record(self, group)

    monkeypatch.setattr(Dispatcher, "_record", failing_for_one)
    await dispatcher._record_with_retries(sent)

    assert await status_counts(runtime, campaigns[fine]["id"]) == {"SENT": 1}
    # The broken one's stays claimed, for the reconciler once its lease runs out.
    assert await status_counts(runtime, campaigns[broken]["id"]) == {"SENDING": 1}


async def test_receipts_move_recipients_to_delivered_and_read(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    _sender, campaign = await started_campaign(client, runtime, user, messages=100, recipients=5)

    async def all_read() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"READ": 5}

    await run_until(dispatcher, all_read)

    recipients = (
        await client.get(f"/api/v1/campaigns/{campaign['id']}/recipients", headers=user)
    ).json()["items"]
    assert all(r["sent_at"] and r["delivered_at"] and r["read_at"] for r in recipients)
    assert counters_match(await campaign_view(client, user, campaign["id"]), {"READ": 5})


async def test_each_recipient_gets_their_own_rendering(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    await grant_messages(runtime, await user_id(client, user), 100)
    sender = await link_sender(client, user)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=3, message="Hi {{name}}!"
    )
    await start(client, user, campaign["id"])

    async def sent() -> bool:
        return len(await accepted_per_phone(runtime)) == 3

    await run_until(dispatcher, sent)

    async with transaction(runtime.sessionmaker) as session:
        bodies = set((await session.scalars(select(SandboxMessage.body))).all())
    assert bodies == {"Hi Customer 0!", "Hi Customer 1!", "Hi Customer 2!"}


async def test_two_campaigns_on_one_number_share_its_pace(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    await grant_messages(runtime, await user_id(client, user), 100)
    sender = await link_sender(client, user)
    first = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[sender["id"]],
        recipients=3,
        interval=1,
        phones=[phone_number(i) for i in range(3)],
    )
    second = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[sender["id"]],
        recipients=3,
        interval=1,
        phones=[phone_number(100 + i) for i in range(3)],
    )
    await start(client, user, first["id"])
    await start(client, user, second["id"])

    async def six_sent() -> bool:
        return sum((await accepted_per_phone(runtime)).values()) == 6

    await run_until(dispatcher, six_sent, within_seconds=20)

    async with transaction(runtime.sessionmaker) as session:
        moments = sorted((await session.scalars(select(SandboxMessage.accepted_at))).all())
    gaps = [(later - earlier).total_seconds() for earlier, later in pairwise(moments)]
    assert min(gaps) >= 1.0
    # They took turns rather than one finishing before the other began.
    async with transaction(runtime.sessionmaker) as session:
        order = (
            (await session.execute(select(Recipient.campaign_id).order_by(Recipient.sent_at)))
            .scalars()
            .all()
        )
    assert order[:2] in ([first["id"], second["id"]], [second["id"], first["id"]])


async def test_the_daily_cap_holds(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=10, daily_cap=4
    )

    async def capped() -> bool:
        return len(await accepted_per_phone(runtime)) >= 4

    await run_until(dispatcher, capped)
    for _ in range(20):
        await dispatcher.run_once()
        await dispatcher.wait_idle()

    assert len(await accepted_per_phone(runtime)) == 4
    number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert number["sent_today"] == 4
    assert number["next_send_at"] is not None
    assert (await campaign_view(client, user, campaign["id"]))["status"] == "RUNNING"


async def test_quiet_hours_hold(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    await grant_messages(runtime, await user_id(client, user), 100)
    # Quiet from a minute ago until the same time tomorrow minus two minutes: quiet right now.
    tehran_now = utc_now().astimezone(ZoneInfo("Asia/Tehran"))
    start_clock = (tehran_now - timedelta(minutes=1)).strftime("%H:%M")
    end_clock = (tehran_now - timedelta(minutes=2)).strftime("%H:%M")
    sender = await link_sender(client, user, quiet_hours={"start": start_clock, "end": end_clock})
    campaign = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=3)
    await start(client, user, campaign["id"])

    for _ in range(20):
        await dispatcher.run_once()
        await dispatcher.wait_idle()

    assert await accepted_per_phone(runtime) == {}
    number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert number["next_send_at"] is not None


async def test_no_claim_whose_sends_could_reach_into_quiet_hours(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    """A claim's sends go out within its send window, not at the claim: a number whose quiet
    hours begin inside that window is not claimed, and waits for their end."""
    await grant_messages(runtime, await user_id(client, user), 100)
    # Quiet from the minute after next (60-120 s away) for three hours; a ten-minute window.
    tehran_now = utc_now().astimezone(ZoneInfo("Asia/Tehran"))
    start_clock = (tehran_now + timedelta(minutes=2)).strftime("%H:%M")
    end_clock = (tehran_now + timedelta(hours=3)).strftime("%H:%M")
    sender = await link_sender(client, user, quiet_hours={"start": start_clock, "end": end_clock})
    campaign = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=3)
    await start(client, user, campaign["id"])
    patient = replace(
        runtime,
        settings=runtime.settings.model_copy(
            update={"send_timeout_seconds": 600, "claim_lease_seconds": 3600}
        ),
    )
    dispatcher = Dispatcher(patient, worker_id="patient-worker")
    try:
        for _ in range(10):
            await dispatcher.run_once()
            await dispatcher.wait_idle()
    finally:
        await dispatcher.shutdown()

    assert await accepted_per_phone(runtime) == {}
    number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    held_until = datetime.fromisoformat(number["next_send_at"]).astimezone(ZoneInfo("Asia/Tehran"))
    assert held_until.strftime("%H:%M") == end_clock


async def test_pause_lands_within_one_send_and_resume_continues(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    _sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=6, interval=1
    )

    async def one_sent() -> bool:
        return len(await accepted_per_phone(runtime)) >= 1

    await run_until(dispatcher, one_sent)
    paused = await client.post(f"/api/v1/campaigns/{campaign['id']}/pause", headers=user)
    sent_at_pause = len(await accepted_per_phone(runtime))
    for _ in range(60):
        await dispatcher.run_once()
        await dispatcher.wait_idle()
        await asyncio.sleep(0.05)

    assert paused.json()["status"] == "PAUSED"
    assert len(await accepted_per_phone(runtime)) <= sent_at_pause + 1
    resumed = await client.post(f"/api/v1/campaigns/{campaign['id']}/resume", headers=user)
    assert resumed.json()["status"] == "RUNNING"

    async def all_sent() -> bool:
        return len(await accepted_per_phone(runtime)) == 6

    await run_until(dispatcher, all_sent, within_seconds=20)


async def test_cancel_stops_the_campaign_and_leaves_the_rest_pending(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    _sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=5, interval=1
    )

    async def one_sent() -> bool:
        return len(await accepted_per_phone(runtime)) >= 1

    await run_until(dispatcher, one_sent)
    cancelled = await client.post(f"/api/v1/campaigns/{campaign['id']}/cancel", headers=user)
    for _ in range(40):
        await dispatcher.run_once()
        await dispatcher.wait_idle()
        await asyncio.sleep(0.05)

    assert cancelled.json()["status"] == "CANCELLED"
    sent = len(await accepted_per_phone(runtime))
    assert sent <= 2
    view = await campaign_view(client, user, campaign["id"])
    assert view["counts"]["pending"] == 5 - sent
    assert (
        await client.post(f"/api/v1/campaigns/{campaign['id']}/resume", headers=user)
    ).status_code == 409


async def test_quota_running_out_pauses_the_campaign_without_overspending(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    _sender, campaign = await started_campaign(client, runtime, user, messages=7, recipients=20)

    async def paused() -> bool:
        return bool((await campaign_view(client, user, campaign["id"]))["status"] == "PAUSED")

    await run_until(dispatcher, paused)

    view = await campaign_view(client, user, campaign["id"])
    assert "quota" in view["status_reason"]
    assert len(await accepted_per_phone(runtime)) == 7
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == 7
    assert subscription["messages_left"] == 0
    refused = await client.post(f"/api/v1/campaigns/{campaign['id']}/resume", headers=user)
    assert refused.status_code == 402


async def test_start_refuses_naming_the_reason(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user)
    no_sender = await create_campaign(client, runtime, user, sender_ids=[], recipients=2)
    empty = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=0)
    ready = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=2)

    without_sender = await start(client, user, no_sender["id"])
    without_recipients = await start(client, user, empty["id"])
    without_quota = await start(client, user, ready["id"])

    assert without_sender.status_code == 409
    assert without_sender.json()["errors"][0]["field"] == "sender_ids"
    assert without_recipients.status_code == 409
    assert without_recipients.json()["errors"][0]["field"] == "recipients"
    assert without_quota.status_code == 402
    assert without_quota.json()["errors"][0]["reason"] == "NO_SUBSCRIPTION"


async def test_numbers_not_on_whatsapp_are_skipped_not_failed(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    runtime.settings = settings.model_copy(update={"sandbox_not_on_whatsapp_rate": 1.0})
    engine = Dispatcher(runtime, worker_id="skipper")
    _sender, campaign = await started_campaign(client, runtime, user, messages=100, recipients=4)

    async def done() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"SKIPPED": 4}

    try:
        await run_until(engine, done)
    finally:
        await engine.shutdown()
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == 0
    assert (await campaign_view(client, user, campaign["id"]))["status"] == "COMPLETED"


async def test_passing_failures_are_retried_then_failed(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    runtime.settings = settings.model_copy(
        update={"sandbox_failure_rate": 1.0, "max_send_attempts": 2}
    )
    engine = Dispatcher(runtime, worker_id="retrier")
    _sender, campaign = await started_campaign(client, runtime, user, messages=100, recipients=1)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(Sender).values(next_send_at=None))

    async def failed() -> bool:
        async with transaction(runtime.sessionmaker) as session:
            # Skip the back-off wait between tries.
            await session.execute(update(Sender).values(next_send_at=None))
        return await status_counts(runtime, campaign["id"]) == {"FAILED": 1}

    try:
        await run_until(engine, failed, within_seconds=20)
    finally:
        await engine.shutdown()
    [recipient] = (
        await client.get(f"/api/v1/campaigns/{campaign['id']}/recipients", headers=user)
    ).json()["items"]
    assert recipient["attempt"] == 2
    assert recipient["error"]
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == 0


async def test_an_opt_out_reply_suppresses_the_number_in_later_campaigns(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], settings: Settings
) -> None:
    runtime.settings = settings.model_copy(
        update={"sandbox_reply_rate": 1.0, "sandbox_opt_out_rate": 1.0}
    )
    engine = Dispatcher(runtime, worker_id="listener")
    owner = await user_id(client, user)
    await grant_messages(runtime, owner, 100)
    sender = await link_sender(client, user)
    phones = [phone_number(i) for i in range(3)]
    first = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=3, phones=phones
    )
    await start(client, user, first["id"])

    async def suppressed() -> bool:
        async with transaction(runtime.sessionmaker) as session:
            found = (
                await session.scalars(select(Suppression.phone).where(Suppression.user_id == owner))
            ).all()
        return set(found) == set(phones)

    try:
        await run_until(engine, suppressed)
        second = await create_campaign(
            client, runtime, user, sender_ids=[sender["id"]], recipients=3, phones=phones
        )
        await start(client, user, second["id"])

        async def skipped() -> bool:
            return await status_counts(runtime, second["id"]) == {"SKIPPED": 3}

        await run_until(engine, skipped)
    finally:
        await engine.shutdown()
    assert Counter((await accepted_per_phone(runtime)).values()) == Counter({1: 3})


async def test_a_claim_whose_worker_died_becomes_unknown_and_a_receipt_settles_it(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    await grant_messages(runtime, await user_id(client, user), 100)
    sender = await link_sender(client, user)
    campaign = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=2)
    # A pass before the start leases and connects the number without starting a turn of its own.
    await dispatcher.run_once()
    await start(client, user, campaign["id"])
    dying = dispatcher
    # The worker claims and sends, then "dies" before recording anything.
    [claim] = await dying._claim([sender["id"]])
    outcomes = await dying._send(claim, await dying._session_for(sender["id"]))
    assert all(outcome.accepted for outcome in outcomes)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Recipient).values(lease_expires_at=utc_now() - timedelta(seconds=1))
        )
    await dying.shutdown()

    await reconcile(runtime, now=utc_now())
    assert await status_counts(runtime, campaign["id"]) == {"UNKNOWN": 2}

    survivor = Dispatcher(runtime, worker_id="survivor")

    async def settled() -> bool:
        counts = await status_counts(runtime, campaign["id"])
        return counts.get("UNKNOWN", 0) == 0 and counts.get("PENDING", 0) == 0

    try:
        await run_until(survivor, settled)
    finally:
        await survivor.shutdown()
    counts = await status_counts(runtime, campaign["id"])
    assert set(counts) <= {"DELIVERED", "READ"}
    assert set((await accepted_per_phone(runtime)).values()) == {1}
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)


async def test_two_dispatchers_on_one_campaign_send_nothing_twice(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    await grant_messages(runtime, await user_id(client, user), 1000)
    numbers = [await link_sender(client, user, phone=f"0990000000{i}") for i in range(4)]
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[n["id"] for n in numbers], recipients=200
    )
    await start(client, user, campaign["id"])
    first = Dispatcher(runtime, worker_id="first", take_senders_per_tick=1)
    second = Dispatcher(runtime, worker_id="second", take_senders_per_tick=1)
    # Each takes one number per pass, so after a pass each they hold different numbers.
    await first.run_once()
    await second.run_once()

    async def done() -> bool:
        return bool((await campaign_view(client, user, campaign["id"]))["status"] == "COMPLETED")

    import asyncio

    try:
        await asyncio.gather(run_until(first, done), run_until(second, done))
    finally:
        await first.shutdown()
        await second.shutdown()
    per_phone = await accepted_per_phone(runtime)
    assert len(per_phone) == 200
    assert set(per_phone.values()) == {1}
    async with transaction(runtime.sessionmaker) as session:
        senders_used = set((await session.scalars(select(Recipient.sender_id).distinct())).all())
    assert len(senders_used) >= 2
    assert counters_match(
        await campaign_view(client, user, campaign["id"]),
        await status_counts(runtime, campaign["id"]),
    )


@pytest.mark.parametrize("interval", [3])
async def test_an_interval_not_allowed_is_refused(
    client: httpx.AsyncClient, user: dict[str, str], interval: int
) -> None:
    response = await client.post(
        "/api/v1/campaigns",
        json={"title": "x", "message": "hi", "interval_seconds": interval},
        headers=user,
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "interval_seconds"


async def test_a_subscription_is_needed_even_for_a_test_send(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user)
    campaign = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=1)

    refused = await client.post(f"/api/v1/campaigns/{campaign['id']}/test", json={}, headers=user)
    await grant_messages(runtime, await user_id(client, user), 5)
    sent = await client.post(f"/api/v1/campaigns/{campaign['id']}/test", json={}, headers=user)

    assert refused.status_code == 402
    assert sent.status_code == 200
    assert sent.json()["to"] == "+989121234567"
    assert sent.json()["text"] in {"سلام دوست، تخفیف امروز!", "سلام دوست، حراج امروز!"}
    async with transaction(runtime.sessionmaker) as session:
        used = await SubscriptionService(session).current(await user_id(client, user))
        assert used is not None
        assert used.messages_used == 1


async def test_a_banned_number_pauses_its_campaigns_saying_why(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    await grant_messages(runtime, await user_id(client, user), 100)
    sender = await link_sender(client, user)
    campaign = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=5)
    sandbox_provider(runtime).set_account_status(
        sender["phone"], SenderStatus.BANNED, reason="this account was banned"
    )
    await start(client, user, campaign["id"])

    async def paused() -> bool:
        return bool((await campaign_view(client, user, campaign["id"]))["status"] == "PAUSED")

    try:
        await run_until(dispatcher, paused)
        # Read while still banned: lifting the ban tells the number's open session it is back
        # (a ConnectionChange to CONNECTED), which the engine may record at once.
        number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    finally:
        sandbox_provider(runtime).set_account_status(sender["phone"], SenderStatus.CONNECTED)

    view = await campaign_view(client, user, campaign["id"])
    assert "banned" in view["status_reason"]
    assert sender["phone"] in view["status_reason"]
    assert number["status"] == "BANNED"
    # Nobody was lost: the recipient in hand went back in line, and no quota was spent.
    assert await status_counts(runtime, campaign["id"]) == {"PENDING": 5}
    subscription = (await client.get("/api/v1/subscriptions/me", headers=user)).json()
    assert subscription["messages_used"] == 0
    assert subscription["messages_reserved"] == 0


async def test_several_receipts_for_one_message_in_a_batch_keep_counters_true(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    # No receipt of the sandbox's own: set before the number links, which makes the sandbox
    # with the settings of that moment (it used to be set after, racing the receipts).
    runtime.settings = runtime.settings.model_copy(update={"sandbox_delivery_seconds": 3600})
    sender, campaign = await started_campaign(client, runtime, user, messages=100, recipients=2)
    assert sandbox_provider(runtime).settings.sandbox_delivery_seconds == 3600

    async def sent() -> bool:
        return await status_counts(runtime, campaign["id"]) == {"SENT": 2}

    await run_until(dispatcher, sent)
    async with transaction(runtime.sessionmaker) as session:
        first, second = (
            await session.scalars(select(Recipient.message_id).order_by(Recipient.id))
        ).all()
    assert first is not None
    assert second is not None
    now = utc_now()
    receipts: list[ProviderEvent] = [
        Receipt(first, ReceiptStatus.READ, now),
        Receipt(second, ReceiptStatus.DELIVERED, now),
        Receipt(second, ReceiptStatus.READ, now + timedelta(seconds=1)),
        Receipt(first, ReceiptStatus.DELIVERED, now),  # late and out of order: ignored
    ]

    await EventHandler(runtime, notify=_ignore).handle(
        receipts, sender_id=sender["id"], user_id=await user_id(client, user)
    )

    counts = await status_counts(runtime, campaign["id"])
    assert counts == {"READ": 2}
    assert counters_match(await campaign_view(client, user, campaign["id"]), counts)


async def _ignore(_: set[int]) -> None:
    return None


async def test_a_connection_that_cannot_take_new_settings_is_opened_again_with_them(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Settings changed while a worker holds the number reach its next send; when the open
    connection cannot take them, it is opened again with them, and nobody is skipped or sent
    to twice meanwhile."""
    await grant_messages(runtime, await user_id(client, user), 100)
    sender = await link_sender(client, user)
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=3, interval=1
    )
    assert (await start(client, user, campaign["id"])).status_code == 200
    opened: list[dict[str, object]] = []
    provider = sandbox_provider(runtime)
    open_session = type(provider).open

    async def counted_open(self: Any, identity: SenderIdentity) -> ProviderSession:
        opened.append(identity.provider_config)
        return await open_session(self, identity)

    def cannot_take(self: Any, identity: SenderIdentity) -> None:
        raise RuntimeError("this connection cannot change its settings")

    monkeypatch.setattr(type(provider), "open", counted_open)
    monkeypatch.setattr(SandboxSession, "reconfigure", cannot_take)
    await run_until(dispatcher, lambda: accepted_at_least(runtime, 1))
    async with transaction(runtime.sessionmaker) as session:
        row = await session.get(Sender, sender["id"])
        assert row is not None
        row.provider_config = {**row.provider_config, "changed": True}

    await run_until(dispatcher, lambda: completed(client, user, campaign["id"]))

    assert [config.get("changed") for config in opened] == [None, True]
    assert set((await accepted_per_phone(runtime)).values()) == {1}
    assert len(await accepted_per_phone(runtime)) == 3


async def accepted_at_least(runtime: Runtime, count: int) -> bool:
    return await accepted_count(runtime) >= count


async def test_new_settings_seen_by_a_claim_that_rolls_back_leave_the_number_sending(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    dispatcher: Dispatcher,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The claim that finds a number's new settings may still fail (a deadlock, the database
    gone): the number's later claims and connections go on, with the new settings."""
    sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=3, interval=1
    )
    await run_until(dispatcher, lambda: accepted_at_least(runtime, 1))
    async with transaction(runtime.sessionmaker) as session:
        row = await session.get(Sender, sender["id"])
        assert row is not None
        row.provider_config = {**row.provider_config, "changed": True}
    in_turn = DispatchRepository.running_campaigns_in_turn
    failures = [RuntimeError("deadlock")]

    async def fails_once(self: DispatchRepository, sender_ids: Any) -> Any:
        if failures:
            raise failures.pop()
        return await in_turn(self, sender_ids)

    monkeypatch.setattr(DispatchRepository, "running_campaigns_in_turn", fails_once)

    await run_until(dispatcher, lambda: completed(client, user, campaign["id"]))

    assert not failures  # the failing claim happened
    assert set((await accepted_per_phone(runtime)).values()) == {1}
    assert len(await accepted_per_phone(runtime)) == 3
