"""Seeing the message before it goes: per-recipient previews and a test send to yourself."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from payam.billing.quota import QuotaService
from payam.campaigns.repository import CampaignRepository
from payam.campaigns.schemas import Preview, TestSend, TestSent
from payam.db.session import commit_now
from payam.kit.errors import Conflict, InvalidInput, NotFound, ServiceUnavailable
from payam.media.service import load_media_payload
from payam.message.ids import new_message_id
from payam.message.templating import Template, parse_template, recipient_values, render_for
from payam.models import Campaign, Recipient, Sender, SenderStatus, User
from payam.providers.base import OutgoingMessage, ProviderFault, SenderIdentity
from payam.providers.registry import build_provider
from payam.runtime import Runtime
from payam.senders.repository import SenderRepository

PREVIEW_COUNT = 5


def _values(recipient: Recipient | None) -> dict[str, object]:
    if recipient is None:
        return {}
    return recipient_values(
        name=recipient.name, phone=recipient.phone, variables=recipient.variables
    )


def _preview(template: Template, recipient: Recipient | None) -> Preview:
    values = _values(recipient)
    seed = recipient.id if recipient is not None else 0
    return Preview(
        recipient_id=recipient.id if recipient else None,
        phone=recipient.phone if recipient else None,
        text=render_for(template, values, seed=seed),
        missing_variables=sorted(template.missing(values)),
    )


async def preview_for(
    session: AsyncSession, campaign: Campaign, *, recipient_id: int | None
) -> list[Preview]:
    template = parse_template(campaign.message)
    recipients = await CampaignRepository(session).first_recipients(
        campaign.id, limit=PREVIEW_COUNT, only_id=recipient_id
    )
    if recipient_id is not None and not recipients:
        raise NotFound("No such recipient in this campaign", field="recipient_id")
    if not recipients:
        return [_preview(template, None)]
    return [_preview(template, recipient) for recipient in recipients]


async def test_send(
    session: AsyncSession, runtime: Runtime, *, user: User, campaign: Campaign, request: TestSend
) -> TestSent:
    to = user.phone
    if to is None:
        raise Conflict("Add your phone number to your profile to receive a test", field="phone")
    sender = await _test_sender(session, campaign, request.sender_id)
    recipient = None
    if request.recipient_id is not None:
        recipient = await CampaignRepository(session).recipient(campaign.id, request.recipient_id)
        if recipient is None:
            raise NotFound("No such recipient in this campaign", field="recipient_id")
    template = parse_template(campaign.message)
    text = render_for(template, _values(recipient), seed=recipient.id if recipient else 0)
    media = None
    if campaign.media_id is not None:
        media = await load_media_payload(session, campaign.media_id, settings=runtime.settings)
    quota = QuotaService(session)
    reservation = await quota.reserve(user.id, 1, reference=f"test:{campaign.id}")
    # No transaction stays open across the send (SQLite's would hold its one write lock, and
    # the sandbox writes its ledger in a transaction of its own): commit the reservation first.
    await commit_now(session)
    provider = build_provider(sender.provider, runtime=runtime)
    connection = await provider.open(
        SenderIdentity(
            sender_id=sender.id, phone=sender.phone, provider_config=dict(sender.provider_config)
        )
    )
    message_id = new_message_id()
    try:
        await connection.send(OutgoingMessage(to=to, text=text, message_id=message_id, media=media))
    except ProviderFault as fault:
        await quota.release(reservation.id)
        # The release must outlive the refusal that follows it.
        raise ServiceUnavailable(
            f"WhatsApp did not take the test: {fault.reason}", keeps_changes=True
        ) from fault
    finally:
        await connection.close()
    await quota.commit(reservation.id)
    return TestSent(to=to, text=text, message_id=message_id)


async def _test_sender(session: AsyncSession, campaign: Campaign, sender_id: int | None) -> Sender:
    senders = await SenderRepository(session).of_campaign(campaign.id, only_id=sender_id)
    if sender_id is not None and not senders:
        raise InvalidInput("That number is not one of this campaign's", field="sender_id")
    connected = [sender for sender in senders if sender.status is SenderStatus.CONNECTED]
    if not connected:
        raise Conflict("The campaign has no connected WhatsApp number", field="sender_ids")
    return connected[0]
