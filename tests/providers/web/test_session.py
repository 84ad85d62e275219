"""A linked WhatsApp Web number as the engine uses it: sends, receipts settling UNKNOWN sends,
replies, a restart that reconnects without a scan, logout and ban pausing campaigns."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.models import Recipient, RecipientStatus, Sender
from payam.providers.base import (
    FaultKind,
    InboundMessage,
    OutgoingMessage,
    ProviderFault,
    ProviderSession,
    SenderIdentity,
)
from payam.providers.registry import web_provider
from payam.providers.web.client import ReceiptKind
from payam.providers.web.provider import WebSession
from payam.providers.web.repository import WebRepository
from payam.runtime import Runtime
from tests.campaign_support import (
    campaign_view,
    completed,
    create_campaign,
    grant_messages,
    run_until,
    start,
    user_id,
)
from tests.fakes.neonize import FakeWhatsAppWeb
from tests.providers.web.conftest import linked_sender
from tests.support import wait_for

PHONE = "989121112233"


async def first_events(session: ProviderSession, count: int) -> list[Any]:
    """The session's first ``count`` events, acknowledged; the session closed."""
    seen: list[Any] = []
    async for event in session.events():
        seen.append(event)
        if len(seen) == count:
            break
    await session.acknowledge(seen)
    await session.close()
    return seen


@pytest.fixture
async def dispatcher(runtime: Runtime) -> AsyncIterator[Dispatcher]:
    engine = Dispatcher(runtime, worker_id="web-worker")
    yield engine
    await engine.shutdown()


async def identity_of(runtime: Runtime, sender_id: int) -> SenderIdentity:
    async with transaction(runtime.sessionmaker) as db:
        sender = await db.get(Sender, sender_id)
        assert sender is not None
        return SenderIdentity(
            sender_id=sender.id, phone=sender.phone, provider_config=dict(sender.provider_config)
        )


async def test_a_restarted_worker_reconnects_without_a_scan_and_sends(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, device = await linked_sender(client, user, world, PHONE)
    identity = await identity_of(runtime, sender["id"])

    for _restart in range(2):  # the store outlives each session, as it outlives a process
        session = await web_provider(runtime).open(identity)
        accepted = await session.send(
            OutgoingMessage(to="+989120000001", text="Salam", message_id="ours-1")
        )
        await session.close()
        assert world.sent[-1].to == "989120000001"
        assert world.sent[-1].device_jid == device
        assert accepted.provider_message_id == world.sent[-1].wa_message_id
    assert not world.linking()  # never asked for a new QR code


async def test_a_number_may_show_typing_before_each_send(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, _ = await linked_sender(client, user, world, PHONE)
    identity = await identity_of(runtime, sender["id"])
    typing = {**identity.provider_config, "typing_seconds": 0.01}
    session = await web_provider(runtime).open(
        SenderIdentity(sender_id=identity.sender_id, phone=identity.phone, provider_config=typing)
    )

    await session.send(OutgoingMessage(to="+989120000001", text="Salam", message_id="ours-1"))
    await session.close()

    assert world.typing == [("989120000001", True), ("989120000001", False)]
    assert [sent.to for sent in world.sent] == ["989120000001"]


async def test_typing_never_runs_a_send_out_of_its_time(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    runtime.settings.send_timeout_seconds = 0.4
    sender, _ = await linked_sender(client, user, world, PHONE)
    identity = await identity_of(runtime, sender["id"])
    typing = {**identity.provider_config, "typing_seconds": 30}
    session = await web_provider(runtime).open(
        SenderIdentity(sender_id=identity.sender_id, phone=identity.phone, provider_config=typing)
    )

    # The engine's deadline for one send: typing for 30 s inside it would cut the send off.
    async with asyncio.timeout(runtime.settings.send_timeout_seconds):
        await session.send(OutgoingMessage(to="+989120000001", text="Salam", message_id="ours-2"))
    await session.close()

    assert [sent.to for sent in world.sent] == ["989120000001"]


async def test_checks_go_in_batches_and_answer_per_number(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, _ = await linked_sender(client, user, world, PHONE)
    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    phones = [f"+98912{n:07d}" for n in range(120)]
    world.not_on_whatsapp = {"989120000007", "989120000111"}

    found = await session.check(phones)
    await session.close()

    assert [phone for phone, on in found.items() if not on] == ["+989120000007", "+989120000111"]
    assert len(found) == 120


async def test_a_dropped_connection_comes_back_and_sends_meanwhile_wait(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, device = await linked_sender(client, user, world, PHONE)
    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    assert isinstance(session, WebSession)

    await world.drop(device)
    with pytest.raises(ProviderFault) as raised:
        await session.send(OutgoingMessage(to="+989120000001", text="x", message_id="m1"))
    assert raised.value.kind is FaultKind.TRANSIENT  # not sent: tried again later
    await wait_for(
        lambda: session.connects >= 2 and world.of_device(device), explain="never: reconnect"
    )
    await wait_for(lambda: session._connected.is_set(), explain="never: connected again")
    await session.send(OutgoingMessage(to="+989120000001", text="x", message_id="m1"))
    await session.close()


async def test_receipts_and_replies_are_written_before_the_library_returns(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, device = await linked_sender(client, user, world, PHONE)
    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    accepted = await session.send(
        OutgoingMessage(to="+989120000001", text="Salam", message_id="ours-7")
    )

    # A read without a delivered, and a reply: each in the inbox once the callback returned.
    await world.receipt(
        device, [accepted.provider_message_id], ReceiptKind.READ, phone="989120000001"
    )
    await world.reply(device, phone="989120000001", text="STOP")
    await session.close()

    # A new session (another worker) hands them out: nothing lived only in the first one.
    again = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    seen = await first_events(again, 3)
    receipts = [(e.message_id, e.status.value) for e in seen if hasattr(e, "message_id")]
    assert receipts == [("ours-7", "DELIVERED"), ("ours-7", "READ")]
    replies = [e for e in seen if isinstance(e, InboundMessage)]
    assert [(r.from_phone, r.text) for r in replies] == [("+989120000001", "STOP")]


async def test_our_own_echo_is_a_sent_receipt_and_a_message_typed_on_the_phone_is_not(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, device = await linked_sender(client, user, world, PHONE)
    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    accepted = await session.send(
        OutgoingMessage(to="+989120000001", text="Salam", message_id="ours-9")
    )

    await world.echo(device, "TYPED-ON-THE-PHONE", phone="989120000001")
    await world.echo(device, accepted.provider_message_id, phone="989120000001")
    await world.reply(device, phone="989120000001", text="thanks")
    seen: list[Any] = []
    async for event in session.events():
        seen.append(event)
        if isinstance(event, InboundMessage):
            break
    await session.close()

    receipts = [(e.message_id, e.status.value) for e in seen if hasattr(e, "message_id")]
    assert receipts == [("ours-9", "SENT")]


async def web_campaign(
    client: httpx.AsyncClient,
    runtime: Runtime,
    headers: dict[str, str],
    world: FakeWhatsAppWeb,
    *,
    recipients: int,
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    await grant_messages(runtime, await user_id(client, headers), 100)
    sender, device = await linked_sender(client, headers, world, PHONE)
    campaign = await create_campaign(
        client, runtime, headers, sender_ids=[sender["id"]], recipients=recipients, interval=1
    )
    assert (await start(client, headers, campaign["id"])).status_code == 200
    return sender, device, campaign


async def test_a_receipt_settles_a_send_whose_answer_never_came(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    world: FakeWhatsAppWeb,
    dispatcher: Dispatcher,
) -> None:
    runtime.settings.send_timeout_seconds = 0.5
    world.hang_sends = True  # it leaves, and no answer (nor WhatsApp's id) comes back
    _, device, campaign = await web_campaign(client, runtime, user, world, recipients=1)

    async def unknown() -> bool:
        async with transaction(runtime.sessionmaker) as db:
            rows = (await db.scalars(select(Recipient.status))).all()
        return list(rows) == [RecipientStatus.UNKNOWN]

    await run_until(dispatcher, unknown)
    # WhatsApp's receipt names its own id, which we never learnt: the phone's open claim is it.
    await world.receipt(device, ["3EB0LOST"], ReceiptKind.DELIVERED, phone="989120000000")

    async def delivered() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["counts"]["delivered"] == 1)

    await run_until(dispatcher, delivered)


async def test_a_receipt_for_a_message_typed_on_the_phone_settles_none_of_ours(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    world: FakeWhatsAppWeb,
    dispatcher: Dispatcher,
) -> None:
    runtime.settings.send_timeout_seconds = 0.5
    world.hang_sends = True
    _, device, campaign = await web_campaign(client, runtime, user, world, recipients=1)

    async def unknown() -> bool:
        async with transaction(runtime.sessionmaker) as db:
            rows = (await db.scalars(select(Recipient.status))).all()
        return list(rows) == [RecipientStatus.UNKNOWN]

    await run_until(dispatcher, unknown)
    # The phone's owner writes to the same person by hand; WhatsApp delivers that message.
    await world.echo(device, "TYPED-BY-HAND", phone="989120000000")
    await world.receipt(device, ["TYPED-BY-HAND"], ReceiptKind.DELIVERED, phone="989120000000")
    for _ in range(20):
        await dispatcher.run_once()
        await dispatcher.wait_idle()
        await asyncio.sleep(0.05)

    assert await unknown()
    view = await campaign_view(client, user, campaign["id"])
    assert view["counts"]["delivered"] == 0


@pytest.mark.parametrize(
    ("lose", "status"), [("log_out", "LOGGED_OUT"), ("ban", "BANNED")], ids=["logout", "ban"]
)
async def test_logout_or_ban_pauses_the_numbers_campaigns_with_the_reason(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    world: FakeWhatsAppWeb,
    dispatcher: Dispatcher,
    lose: str,
    status: str,
) -> None:
    sender, device, campaign = await web_campaign(client, runtime, user, world, recipients=50)
    await run_until(dispatcher, lambda: len(world.sent) >= 1)

    await getattr(world, lose)(device)

    async def paused() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["status"] == "PAUSED")

    await run_until(dispatcher, paused)
    view = await campaign_view(client, user, campaign["id"])
    assert "WhatsApp" in view["status_reason"]
    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert read["status"] == status
    assert view["status_reason"].endswith(read["status_reason"])
    assert not world.of_device(device)


async def test_typing_set_over_the_api_is_shown_before_each_send_and_outlives_linking(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    sender, _ = await linked_sender(client, user, world, PHONE, typing_seconds=0.01)
    assert sender["typing_seconds"] == 0.01
    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert read["typing_seconds"] == 0.01  # still there once the phone linked it

    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    await session.send(OutgoingMessage(to="+989120000001", text="Salam", message_id="ours-1"))
    await session.close()
    assert world.typing == [("989120000001", True), ("989120000001", False)]

    off = await client.patch(
        f"/api/v1/senders/{sender['id']}", json={"typing_seconds": 0}, headers=user
    )
    assert off.status_code == 200, off.text
    assert off.json()["typing_seconds"] == 0
    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    await session.send(OutgoingMessage(to="+989120000002", text="Salam", message_id="ours-2"))
    await session.close()
    assert len(world.typing) == 2  # no typing before the second
    assert [sent.to for sent in world.sent] == ["989120000001", "989120000002"]


async def test_typing_turned_on_mid_campaign_shows_before_the_next_send(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    world: FakeWhatsAppWeb,
    dispatcher: Dispatcher,
) -> None:
    """The number stays connected in its worker: a setting changed meanwhile reaches it."""
    sender, _, campaign = await web_campaign(client, runtime, user, world, recipients=2)
    await run_until(dispatcher, lambda: len(world.sent) >= 1)
    assert world.typing == []

    on = await client.patch(
        f"/api/v1/senders/{sender['id']}", json={"typing_seconds": 0.01}, headers=user
    )
    assert on.status_code == 200, on.text
    await run_until(dispatcher, lambda: completed(client, user, campaign["id"]))

    second = world.sent[1].to
    assert world.typing == [(second, True), (second, False)]


async def test_typing_is_bounded_and_for_web_numbers_only(
    client: httpx.AsyncClient, user: dict[str, str], world: FakeWhatsAppWeb
) -> None:
    sender, _ = await linked_sender(client, user, world, PHONE)
    too_long = await client.patch(
        f"/api/v1/senders/{sender['id']}", json={"typing_seconds": 11}, headers=user
    )
    sandbox = await client.post(
        "/api/v1/senders", json={"display_name": "Sim", "typing_seconds": 1}, headers=user
    )

    for refused in (too_long, sandbox):
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "typing_seconds"
    read = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert read["typing_seconds"] is None  # the server's default holds


async def test_a_receipt_for_a_send_the_session_no_longer_keeps_at_hand_is_still_ours(
    client: httpx.AsyncClient,
    user: dict[str, str],
    runtime: Runtime,
    world: FakeWhatsAppWeb,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A session keeps only its latest sends' ids in memory (a long-running worker would
    otherwise grow without end); a late receipt for an older one is found in the database."""
    monkeypatch.setattr("payam.providers.web.provider.OURS_KEPT", 2)
    looked_up: list[str] = []
    our_ids = WebRepository.our_ids

    async def counted(self: WebRepository, sender_id: int, wa_ids: list[str]) -> dict[str, str]:
        looked_up.extend(wa_ids)
        return await our_ids(self, sender_id, wa_ids)

    monkeypatch.setattr(WebRepository, "our_ids", counted)
    sender, device = await linked_sender(client, user, world, PHONE)
    session = await web_provider(runtime).open(await identity_of(runtime, sender["id"]))
    first = await session.send(OutgoingMessage(to="+989120000001", text="1", message_id="ours-1"))
    for n in (2, 3):
        await session.send(
            OutgoingMessage(to=f"+98912000000{n}", text=str(n), message_id=f"ours-{n}")
        )

    await world.receipt(device, [first.provider_message_id], ReceiptKind.READ, phone="989120000001")
    seen = await first_events(session, 2)

    assert [(e.message_id, e.status.value) for e in seen] == [
        ("ours-1", "DELIVERED"),
        ("ours-1", "READ"),
    ]
    assert looked_up == [first.provider_message_id]  # from the database, not memory
