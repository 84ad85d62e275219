"""The sandbox WhatsApp as the engine relies on it: a durable ledger, stable answers, receipts."""

from __future__ import annotations

import asyncio
import hashlib
import math
import sys
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from payam.db.session import transaction
from payam.kit.errors import InvalidInput
from payam.kit.phones import normalize_phone
from payam.models import MediaKind, SandboxMessage, SenderStatus
from payam.providers import sandbox
from payam.providers.base import (
    ConnectionChange,
    FaultKind,
    MediaPayload,
    OutgoingMessage,
    ProviderFault,
    Receipt,
    ReceiptStatus,
    SendAccepted,
)
from payam.providers.sandbox import SandboxProvider, is_on_whatsapp
from payam.runtime import Runtime
from tests.dispatch.conftest import StatementFault, database_refuses
from tests.providers.conftest import (
    SENDER,
    Listener,
    SandboxWorld,
    identity,
    message,
    recipients,
)
from tests.support import wait_for

DELIVERED = ReceiptStatus.DELIVERED
READ = ReceiptStatus.READ


async def ledger(runtime: Runtime) -> list[SandboxMessage]:
    """The sandbox's record, read through a session of its own as a later process would."""
    async with transaction(runtime.sessionmaker) as session:
        return list(
            (await session.scalars(select(SandboxMessage).order_by(SandboxMessage.id))).all()
        )


async def ledger_count(runtime: Runtime) -> int:
    async with transaction(runtime.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxMessage)) or 0)


async def fault_of(send: Awaitable[SendAccepted]) -> ProviderFault:
    with pytest.raises(ProviderFault) as raised:
        await send
    return raised.value


# Sending -----------------------------------------------------------------------------------


async def test_an_accepted_send_is_in_the_ledger_once_send_returns(
    world: SandboxWorld, runtime: Runtime
) -> None:
    session = await world.open(world.provider())
    image = b"\x89PNG fake image bytes"
    media = MediaPayload(
        kind=MediaKind.IMAGE,
        mime_type="image/png",
        filename="offer.png",
        content=image,
        sha256=hashlib.sha256(image).hexdigest(),
    )
    outgoing = OutgoingMessage(
        to="+989121234567", text="سلام سارا، تخفیف امروز", message_id="ours-1", media=media
    )

    accepted = await session.send(outgoing)

    assert accepted.provider_message_id == "ours-1"
    # Read through a fresh session: the row was committed by send itself, not by the caller.
    [row] = await ledger(runtime)
    assert (row.sender_phone, row.recipient_phone, row.message_id) == (
        SENDER,
        "+989121234567",
        "ours-1",
    )
    assert row.body == "سلام سارا، تخفیف امروز"
    assert row.media_sha256 == media.sha256
    assert row.accepted_at is not None
    assert row.delivered_at is None
    assert row.read_at is None


async def test_the_record_outlives_the_session_and_the_provider(
    world: SandboxWorld, runtime: Runtime
) -> None:
    provider = world.provider()
    session = await world.open(provider)
    await session.send(message("+989121234567"))

    await session.close()
    del provider, session

    assert [row.message_id for row in await ledger(runtime)] == ["m-+989121234567-0"]


async def test_concurrent_sends_each_get_their_own_committed_row(
    world: SandboxWorld, runtime: Runtime
) -> None:
    provider = world.provider()
    phones = ["+989900000001", "+989900000002", "+989900000003"]
    sessions = [await world.open(provider, phone) for phone in phones]
    to = recipients(100)

    accepted = await asyncio.gather(
        *(
            session.send(message(number, index))
            for session in sessions
            for index, number in enumerate(to)
        )
    )

    expected = {f"m-{number}-{index}" for index, number in enumerate(to)}
    assert {answer.provider_message_id for answer in accepted} == expected
    rows = await ledger(runtime)
    assert len(rows) == 300
    assert Counter(row.sender_phone for row in rows) == dict.fromkeys(phones, 100)
    assert {row.message_id for row in rows} == expected


async def test_a_send_on_a_closed_session_is_refused(world: SandboxWorld, runtime: Runtime) -> None:
    session = await world.open(world.provider())
    await session.close()

    with pytest.raises(RuntimeError):
        await session.send(message("+989121234567"))
    assert await ledger_count(runtime) == 0


# Which numbers are on WhatsApp ----------------------------------------------------------------


async def test_check_and_send_agree_on_numbers_not_on_whatsapp(
    world: SandboxWorld, runtime: Runtime
) -> None:
    session = await world.open(world.provider(sandbox_not_on_whatsapp_rate=0.3, seed=1))
    other = await world.open(world.provider(sandbox_not_on_whatsapp_rate=0.3, seed=2))
    numbers = recipients(200)

    checked = await session.check(numbers)

    assert checked == await other.check(numbers)  # another process, other dice: same answer
    assert checked == await session.check(list(reversed(numbers)))
    assert checked == {n: is_on_whatsapp(n, not_on_whatsapp_rate=0.3) for n in numbers}
    off = {number for number, on in checked.items() if not on}
    assert off, "a rate of 0.3 over 200 numbers leaves some off WhatsApp"
    for index, number in enumerate(numbers):
        if number in off:
            fault = await fault_of(session.send(message(number, index)))
            assert fault.kind is FaultKind.NOT_ON_WHATSAPP
        else:
            await session.send(message(number, index))
    assert {row.recipient_phone for row in await ledger(runtime)} == set(numbers) - off


@pytest.mark.parametrize("rate", [0.0, 0.05, 0.5, 1.0])
async def test_the_share_not_on_whatsapp_follows_the_rate(world: SandboxWorld, rate: float) -> None:
    session = await world.open(world.provider(sandbox_not_on_whatsapp_rate=rate))
    numbers = recipients(2000, start=4_000_000)

    checked = await session.check(numbers)

    off = sum(not on for on in checked.values())
    # Within four standard deviations of the expected count (exact at 0 and 1).
    spread = 4 * math.sqrt(len(numbers) * rate * (1 - rate))
    assert abs(off - len(numbers) * rate) <= spread


# Failures ----------------------------------------------------------------------------------------


async def test_failure_rate_one_faults_every_send_as_transient_and_records_none(
    world: SandboxWorld, runtime: Runtime
) -> None:
    session = await world.open(world.provider(sandbox_failure_rate=1.0))

    for index, number in enumerate(recipients(20)):
        fault = await fault_of(session.send(message(number, index)))
        assert fault.kind is FaultKind.TRANSIENT

    assert await ledger_count(runtime) == 0


async def test_a_partial_failure_rate_records_exactly_the_accepted_sends(
    world: SandboxWorld, runtime: Runtime
) -> None:
    session = await world.open(world.provider(sandbox_failure_rate=0.5, seed=3))
    accepted: set[str] = set()
    faults: list[FaultKind] = []

    for index, number in enumerate(recipients(200)):
        try:
            accepted.add((await session.send(message(number, index))).provider_message_id)
        except ProviderFault as fault:
            faults.append(fault.kind)

    assert 50 < len(accepted) < 150
    assert set(faults) == {FaultKind.TRANSIENT}
    assert len(faults) + len(accepted) == 200
    assert {row.message_id for row in await ledger(runtime)} == accepted


# Latency -------------------------------------------------------------------------------------


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Every asyncio.sleep the sandbox awaits while the test runs, even sleep(0).

    Only the sandbox's own: the loop is shared by the session's tests, and a task another test
    left running (a retry's backoff) may sleep meanwhile.
    """
    seen: list[float] = []
    real_sleep: Callable[..., Awaitable[Any]] = asyncio.sleep

    async def spy(delay: float, result: Any = None) -> Any:
        awaited_from = sys._getframe(1).f_code.co_filename
        if awaited_from == sandbox.__file__:
            seen.append(delay)
        return await real_sleep(delay, result)

    monkeypatch.setattr(asyncio, "sleep", spy)
    return seen


async def test_latency_zero_sends_without_sleeping(
    world: SandboxWorld, runtime: Runtime, sleeps: list[float]
) -> None:
    session = await world.open(world.provider(sandbox_latency_ms=0))

    for index, number in enumerate(recipients(500)):
        await session.send(message(number, index))
    await session.check(recipients(10))

    assert sleeps == []
    assert await ledger_count(runtime) == 500


async def test_latency_is_waited_on_every_send_and_check(
    world: SandboxWorld, sleeps: list[float]
) -> None:
    session = await world.open(world.provider(sandbox_latency_ms=20))

    for index, number in enumerate(recipients(3)):
        await session.send(message(number, index))
    await session.check(recipients(10))

    assert sleeps == [0.02] * 4


# Receipts ----------------------------------------------------------------------------------


async def test_delivered_then_read_arrive_after_their_delays(
    world: SandboxWorld, runtime: Runtime
) -> None:
    session = await world.open(
        world.provider(sandbox_delivery_seconds=0.3, sandbox_read_seconds=0.6)
    )
    listener = world.listen(session)
    sent_at: dict[str, float] = {}
    for index, number in enumerate(recipients(3)):
        outgoing = message(number, index)
        sent_at[outgoing.message_id] = time.monotonic()
        await session.send(outgoing)

    await wait_for(lambda: len(listener.receipts(READ)) == 3)

    assert sorted(listener.receipts(DELIVERED)) == sorted(sent_at)
    assert sorted(listener.receipts(READ)) == sorted(sent_at)
    for message_id, at in sent_at.items():
        delivered = listener.arrival(message_id, DELIVERED)
        read = listener.arrival(message_id, READ)
        assert delivered - at >= 0.3
        assert read - at >= 0.6
        assert delivered <= read
    for row in await ledger(runtime):
        assert row.delivered_at is not None
        assert row.read_at is not None
        assert (row.delivered_at - row.accepted_at).total_seconds() >= 0.3
        assert (row.read_at - row.accepted_at).total_seconds() >= 0.6


async def test_read_never_comes_before_delivered(world: SandboxWorld) -> None:
    # Configured the wrong way round: read "after" 0 s, delivered after 0.3 s.
    session = await world.open(
        world.provider(sandbox_delivery_seconds=0.3, sandbox_read_seconds=0.0)
    )
    listener = world.listen(session)
    outgoing = message("+989121234567")
    await session.send(outgoing)

    await wait_for(lambda: listener.receipts(READ) != [])

    statuses = [event.status for _, event in listener.events if isinstance(event, Receipt)]
    assert statuses == [DELIVERED, READ]


async def test_receipts_of_sends_made_before_a_crash_arrive_in_the_next_session(
    world: SandboxWorld,
) -> None:
    # The first process sends and dies before any receipt is due: nothing closes its session.
    before_crash = await world.open(
        world.provider(sandbox_delivery_seconds=0.05, sandbox_read_seconds=0.1)
    )
    sent = [message(number, index) for index, number in enumerate(recipients(5))]
    for outgoing in sent:
        await before_crash.send(outgoing)

    after_restart = await world.open(
        world.provider(sandbox_delivery_seconds=0.05, sandbox_read_seconds=0.1)
    )
    listener = world.listen(after_restart)

    await wait_for(lambda: len(listener.receipts(READ)) == 5)
    ids = sorted(outgoing.message_id for outgoing in sent)
    assert sorted(listener.receipts(DELIVERED)) == ids
    assert sorted(listener.receipts(READ)) == ids


async def test_closing_gives_untaken_receipts_back_to_the_next_session(
    world: SandboxWorld,
) -> None:
    first = await world.open(world.provider(sandbox_delivery_seconds=0.05))
    sent = [message(number, index) for index, number in enumerate(recipients(5))]
    for outgoing in sent:
        await first.send(outgoing)
    await asyncio.sleep(0.15)  # all five are due: the first scan takes them together

    events = first.events()
    taken = await anext(events)
    assert isinstance(taken, Receipt)
    await first.acknowledge([taken])
    await first.close()
    assert await anext(events, None) is None  # closing ends the stream; the other four stay

    second = await world.open(world.provider(sandbox_delivery_seconds=0.05))
    listener = world.listen(second)
    others = sorted(
        outgoing.message_id for outgoing in sent if outgoing.message_id != taken.message_id
    )
    await wait_for(lambda: sorted(listener.receipts(DELIVERED)) == others)
    await asyncio.sleep(0.1)
    assert sorted(listener.receipts(DELIVERED)) == others


async def test_a_receipt_taken_but_not_acknowledged_comes_again_after_a_crash(
    world: SandboxWorld, runtime: Runtime
) -> None:
    timing: dict[str, Any] = {"sandbox_delivery_seconds": 0.0, "sandbox_read_seconds": 3600}
    # The first process takes the receipts and dies before recording them: no acknowledge, no
    # close (nothing runs after SIGKILL).
    dying = await world.open(world.provider(**timing))
    sent = [message(number, index) for index, number in enumerate(recipients(3))]
    for outgoing in sent:
        await dying.send(outgoing)
    events = dying.events()
    taken = [await anext(events) for _ in sent]
    assert sorted(event.message_id for event in taken if isinstance(event, Receipt)) == sorted(
        outgoing.message_id for outgoing in sent
    )
    assert all(row.delivered_at is None for row in await ledger(runtime))

    restarted = await world.open(world.provider(**timing))
    listener = world.listen(restarted)

    await wait_for(lambda: len(listener.receipts(DELIVERED)) == len(sent))
    assert sorted(listener.receipts(DELIVERED)) == sorted(o.message_id for o in sent)
    # Acknowledged once recorded: now the ledger marks them delivered.
    await wait_for(lambda: len(listener.events) == len(sent))
    await asyncio.sleep(0.05)
    assert all(row.delivered_at is not None for row in await ledger(runtime))


async def test_a_receipt_whose_acknowledgement_failed_comes_again(
    world: SandboxWorld, runtime: Runtime
) -> None:
    session = await world.open(
        world.provider(sandbox_delivery_seconds=0.0, sandbox_read_seconds=3600)
    )
    outgoing = message("+989121234567")
    await session.send(outgoing)
    events = session.events()
    first = await anext(events)
    marking = StatementFault(lambda statement: statement.startswith("UPDATE sandbox_messages"))

    with database_refuses(runtime.engine, marking), pytest.raises(ConnectionError):
        await session.acknowledge([first])

    again = await asyncio.wait_for(anext(events), timeout=5)
    assert isinstance(again, Receipt)
    assert (again.message_id, again.status) == (outgoing.message_id, DELIVERED)
    await session.acknowledge([again])
    [row] = await ledger(runtime)
    assert row.delivered_at is not None


async def test_two_processes_on_one_number_lose_no_receipt_and_mark_each_once(
    world: SandboxWorld, runtime: Runtime
) -> None:
    timing: dict[str, Any] = {"sandbox_delivery_seconds": 0.0, "sandbox_read_seconds": 0.0}
    # Small batches and a fast poll, so the two keep reaching for the same rows.
    first = await world.open(world.provider(poll_seconds=0.002, batch_size=10, **timing))
    second = await world.open(world.provider(poll_seconds=0.002, batch_size=10, **timing))
    sent = [message(number, index) for index, number in enumerate(recipients(300))]
    await asyncio.gather(*(first.send(outgoing) for outgoing in sent[:150]))
    await asyncio.gather(*(second.send(outgoing) for outgoing in sent[150:]))
    # Both start on the same backlog at the same moment.
    listeners = [world.listen(first), world.listen(second)]

    async def unread() -> int:
        return sum(row.read_at is None for row in await ledger(runtime))

    async def all_read() -> bool:
        return await unread() == 0

    await wait_for(all_read, progress=unread, explain="not every receipt was acknowledged")

    # At least once: each receipt reached one of the two (a number briefly held by two
    # processes may hear one twice, as from WhatsApp; recording it is idempotent).
    ids = {outgoing.message_id for outgoing in sent}
    for status in (DELIVERED, READ):
        yielded = Counter(
            message_id for listener in listeners for message_id in listener.receipts(status)
        )
        assert set(yielded) == ids
    # Each marked once, read never before delivered.
    for row in await ledger(runtime):
        assert row.delivered_at is not None
        assert row.read_at is not None
        assert row.delivered_at <= row.read_at


async def test_a_backlog_larger_than_one_batch_all_arrives(world: SandboxWorld) -> None:
    session = await world.open(world.provider(sandbox_delivery_seconds=0.01, batch_size=25))
    sent = [message(number, index) for index, number in enumerate(recipients(120))]
    await asyncio.gather(*(session.send(outgoing) for outgoing in sent))
    await asyncio.sleep(0.05)

    listener = world.listen(session)

    await wait_for(lambda: len(listener.receipts(DELIVERED)) == 120)
    assert sorted(listener.receipts(DELIVERED)) == sorted(o.message_id for o in sent)


async def test_receipts_wait_in_the_ledger_for_a_number_nobody_listens_to(
    world: SandboxWorld, runtime: Runtime
) -> None:
    provider = world.provider(sandbox_delivery_seconds=0.0)
    heard = await world.open(provider, "+989900000001")
    unheard = await world.open(provider, "+989900000002")
    listener = world.listen(heard)
    await heard.send(message("+989121234567", 1))
    await unheard.send(message("+989121234567", 2))

    await wait_for(lambda: listener.receipts(DELIVERED) == ["m-+989121234567-1"])
    await asyncio.sleep(0.1)

    rows = {row.sender_phone: row for row in await ledger(runtime)}
    assert rows["+989900000001"].delivered_at is not None
    assert rows["+989900000002"].delivered_at is None


# Replies -----------------------------------------------------------------------------------


async def test_replies_opting_out_use_the_configured_keywords(world: SandboxWorld) -> None:
    keywords = ["STOP", "لغو", "انصراف"]
    session = await world.open(
        world.provider(
            sandbox_delivery_seconds=0.0,
            sandbox_reply_rate=1.0,
            sandbox_opt_out_rate=1.0,
            opt_out_keywords=keywords,
        )
    )
    listener = world.listen(session)
    to = recipients(30)
    for index, number in enumerate(to):
        await session.send(message(number, index))

    await wait_for(lambda: len(listener.inbound()) == 30)

    assert sorted(reply.from_phone for reply in listener.inbound()) == sorted(to)
    assert {reply.text for reply in listener.inbound()} <= set(keywords)


async def test_friendly_replies_are_not_opt_outs(world: SandboxWorld) -> None:
    session = await world.open(world.provider(sandbox_delivery_seconds=0.0, sandbox_reply_rate=1.0))
    listener = world.listen(session)
    for index, number in enumerate(recipients(10)):
        await session.send(message(number, index))

    await wait_for(lambda: len(listener.inbound()) == 10)

    texts = {reply.text for reply in listener.inbound()}
    assert texts
    assert not texts & {"STOP", "لغو"}


async def test_no_replies_at_a_reply_rate_of_zero(world: SandboxWorld) -> None:
    session = await world.open(world.provider(sandbox_delivery_seconds=0.0))
    listener = world.listen(session)
    for index, number in enumerate(recipients(20)):
        await session.send(message(number, index))

    await wait_for(lambda: len(listener.receipts(DELIVERED)) == 20)

    assert listener.inbound() == []


# Lifecycle, linking and account faults ---------------------------------------------------------


async def test_close_ends_the_events_and_leaves_no_task_behind(world: SandboxWorld) -> None:
    provider = world.provider(sandbox_delivery_seconds=0.0)
    sessions = [await world.open(provider, phone) for phone in ("+989900000001", "+989900000002")]
    listeners = [Listener(session).start() for session in sessions]
    await sessions[0].send(message("+989121234567"))
    await wait_for(lambda: listeners[0].receipts(DELIVERED) != [])

    for session in sessions:
        await session.close()

    # Nothing in between: close() itself waited for the provider's tasks to end.
    names = {task.get_name() for task in asyncio.all_tasks() if not task.done()}
    assert not names & {"sandbox-receipts", "sandbox-ledger"}
    for listener in listeners:
        assert listener.task is not None
        await asyncio.wait_for(listener.task, timeout=1)
    assert [event async for event in sessions[0].events()] == []


async def test_linking_uses_the_hint_or_makes_up_a_valid_number(
    world: SandboxWorld,
) -> None:
    provider = world.provider(sandbox_not_on_whatsapp_rate=0.5)

    hinted, config = await provider.link(user_phone_hint="0912 123 4567")
    made_up, _ = await provider.link(user_phone_hint=None)
    another, _ = await provider.link(user_phone_hint=None)

    assert hinted == "+989121234567"
    assert config["simulated"] is True
    assert made_up.startswith("+98990")
    assert normalize_phone(made_up, default_region="IR") == made_up
    assert is_on_whatsapp(made_up, not_on_whatsapp_rate=0.5)
    assert another != made_up


async def test_linking_with_a_wrong_hint_names_the_field(world: SandboxWorld) -> None:
    with pytest.raises(InvalidInput) as raised:
        await world.provider().link(user_phone_hint="12")

    assert raised.value.problems[0].field == "phone"


async def test_opening_a_number_that_is_not_linked_is_an_account_fault(
    world: SandboxWorld,
) -> None:
    with pytest.raises(ProviderFault) as raised:
        await world.provider().open(identity(None))

    assert raised.value.kind is FaultKind.ACCOUNT


async def test_a_banned_number_says_so_and_every_send_faults_until_it_is_back(
    world: SandboxWorld, runtime: Runtime
) -> None:
    provider = world.provider()
    session = await world.open(provider)
    listener = world.listen(session)
    await asyncio.sleep(0)

    provider.set_account_status(SENDER, SenderStatus.BANNED, reason="spam reports")

    await wait_for(lambda: listener.events != [])
    assert listener.events[0][1] == ConnectionChange(SenderStatus.BANNED, "spam reports")
    fault = await fault_of(session.send(message("+989121234567")))
    assert fault.kind is FaultKind.ACCOUNT
    assert fault.sender_status is SenderStatus.BANNED
    provider.set_account_status(SENDER, SenderStatus.DISCONNECTED)
    assert (await fault_of(session.send(message("+989121234567")))).kind is FaultKind.TRANSIENT
    assert await ledger_count(runtime) == 0

    provider.set_account_status(SENDER, SenderStatus.CONNECTED)

    await session.send(message("+989121234567"))
    assert await ledger_count(runtime) == 1


def test_the_rule_is_a_pure_function_of_the_number() -> None:
    assert is_on_whatsapp("+989121234567", not_on_whatsapp_rate=0.0)
    assert not is_on_whatsapp("+989121234567", not_on_whatsapp_rate=1.0)
    answers = {is_on_whatsapp("+989121234567", not_on_whatsapp_rate=0.5) for _ in range(5)}
    assert len(answers) == 1
    assert SandboxProvider.name == "sandbox"
