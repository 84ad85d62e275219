"""Sends through a Cloud number's session against the fake Graph API: payloads and every fault."""

from __future__ import annotations

import pytest

from payam.models import MediaKind, SenderStatus
from payam.providers.base import (
    FaultKind,
    MediaPayload,
    OutgoingMessage,
    ProviderFault,
    SenderIdentity,
)
from payam.providers.cloud.provider import CloudSession
from payam.providers.registry import cloud_provider
from payam.runtime import Runtime
from tests.providers.cloud.conftest import CloudWorld

TO = "+989121234567"


def text(message_id: str = "m-1", to: str = TO) -> OutgoingMessage:
    return OutgoingMessage(to=to, text="سلام، حراج امروز!", message_id=message_id)


async def test_a_text_goes_out_carrying_our_message_id(
    session: CloudSession, cloud: CloudWorld
) -> None:
    accepted = await session.send(text("m-ours-1"))

    assert accepted.provider_message_id.startswith("wamid.")
    [sent] = cloud.graph.sent
    assert sent["wamid"] == accepted.provider_message_id
    assert {key: sent[key] for key in ("to", "type", "text", "biz_opaque_callback_data")} == {
        "to": "989121234567",
        "type": "text",
        "text": {"body": "سلام، حراج امروز!", "preview_url": False},
        "biz_opaque_callback_data": "m-ours-1",
    }


async def test_an_attachment_is_uploaded_once_and_sent_by_its_media_id(
    session: CloudSession, cloud: CloudWorld
) -> None:
    media = MediaPayload(
        kind=MediaKind.DOCUMENT,
        mime_type="application/pdf",
        filename="menu.pdf",
        content=b"%PDF-1.4 menu",
        sha256="ab" * 32,
    )
    for index in range(3):
        message = OutgoingMessage(to=TO, text="Our menu", message_id=f"m-{index}", media=media)
        await session.send(message)

    assert list(cloud.graph.uploads.values()) == [b"%PDF-1.4 menu"]
    [media_id] = cloud.graph.uploads
    assert [sent["document"] for sent in cloud.graph.sent] == [
        {"id": media_id, "caption": "Our menu", "filename": "menu.pdf"}
    ] * 3


@pytest.mark.parametrize(
    ("code", "http_status", "kind", "status", "says"),
    [
        (130429, 400, FaultKind.RATE_LIMITED, None, "Rate limit"),
        (131056, 400, FaultKind.RATE_LIMITED, None, "pair rate"),
        (131026, 400, FaultKind.NOT_ON_WHATSAPP, None, "Not on WhatsApp"),
        (131047, 400, FaultKind.RECIPIENT_INVALID, None, "24 hours"),
        (131048, 400, FaultKind.ACCOUNT, SenderStatus.BANNED, "did not want"),
        (368, 400, FaultKind.ACCOUNT, SenderStatus.BANNED, "policy"),
        (190, 401, FaultKind.ACCOUNT, SenderStatus.LOGGED_OUT, "access token"),
        (131057, 503, FaultKind.TRANSIENT, None, "131057"),
        (131000, 500, FaultKind.TRANSIENT, None, "131000"),
        (99999, 500, FaultKind.UNCERTAIN, None, "99999"),
    ],
)
async def test_each_error_code_is_the_fault_the_engine_acts_on(
    session: CloudSession,
    cloud: CloudWorld,
    code: int,
    http_status: int,
    kind: FaultKind,
    status: SenderStatus | None,
    says: str,
) -> None:
    cloud.graph.fail_next(code, http_status=http_status)

    with pytest.raises(ProviderFault) as raised:
        await session.send(text())

    assert raised.value.kind is kind
    assert raised.value.sender_status is status
    assert says in raised.value.reason
    assert "fbtrace_id" in raised.value.reason
    if kind is FaultKind.RATE_LIMITED:
        assert raised.value.retry_after_seconds
    assert cloud.graph.sent == []


async def test_a_number_not_on_whatsapp_is_skipped(
    session: CloudSession, cloud: CloudWorld
) -> None:
    cloud.graph.not_on_whatsapp.add("989121234567")

    with pytest.raises(ProviderFault) as raised:
        await session.send(text())

    assert raised.value.kind is FaultKind.NOT_ON_WHATSAPP


async def test_an_answer_that_never_comes_is_uncertain_not_resent(
    session: CloudSession, cloud: CloudWorld
) -> None:
    cloud.graph.delay_seconds = 3.0  # the session gives up after cloud_timeout_seconds (1 s)

    with pytest.raises(ProviderFault) as raised:
        await session.send(text())

    assert raised.value.kind is FaultKind.UNCERTAIN


async def test_a_graph_api_that_cannot_be_reached_is_transient(
    runtime: Runtime, session: CloudSession
) -> None:
    config = dict(session.identity.provider_config, graph_base_url="http://127.0.0.1:9")
    unreachable = await cloud_provider(runtime).open(
        SenderIdentity(sender_id=session.identity.sender_id, phone=None, provider_config=config)
    )

    with pytest.raises(ProviderFault) as raised:
        await unreachable.send(text())

    assert raised.value.kind is FaultKind.TRANSIENT
    await unreachable.close()


async def test_check_says_every_number_may_be_tried(session: CloudSession) -> None:
    assert await session.check([TO, "+989120000002"]) == {TO: True, "+989120000002": True}
