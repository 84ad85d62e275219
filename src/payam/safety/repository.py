"""The facts a preflight check reads: a campaign, its numbers, its recipients' history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct, func, or_, select

from payam.kit.repository import Repository
from payam.models import (
    Campaign,
    CampaignSender,
    Recipient,
    RecipientStatus,
    Sender,
    Suppression,
    WhatsAppPresence,
)

REACHED = (RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ)
GONE_WRONG = (RecipientStatus.FAILED, RecipientStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class RecipientHistory:
    pending: int
    # Sent to before from this user's numbers, or answered lately to be on WhatsApp.
    known_on_whatsapp: int
    # Answered lately not to be on WhatsApp, or skipped before (not because they opted out)
    # and neither reached nor answered on WhatsApp since.
    not_on_whatsapp: int


@dataclass(frozen=True, slots=True)
class SendHistory:
    attempted: int
    gone_wrong: int  # failed, or unknown whether it arrived


class PreflightRepository(Repository[Campaign]):
    model = Campaign

    async def senders_of(self, campaign_id: int) -> Sequence[Sender]:
        statement = (
            select(Sender)
            .join(CampaignSender, CampaignSender.sender_id == Sender.id)
            .where(CampaignSender.campaign_id == campaign_id)
            .order_by(Sender.id)
        )
        return (await self.session.scalars(statement)).all()

    async def recipient_history(
        self, campaign: Campaign, *, present_since: datetime, absent_since: datetime
    ) -> RecipientHistory:
        """How many of the campaign's pending recipients are known to be on WhatsApp (reached
        before from this user's numbers, or so answered since ``present_since``), and how many
        known not to be (so answered since ``absent_since``, or skipped before as such)."""
        earlier = (
            select(Recipient.phone)
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(Campaign.user_id == campaign.user_id, Campaign.id != campaign.id)
        )
        answered = select(WhatsAppPresence.phone).where(
            WhatsAppPresence.user_id == campaign.user_id
        )
        answered_on = answered.where(
            WhatsAppPresence.on_whatsapp, WhatsAppPresence.checked_at >= present_since
        )
        answered_absent = answered.where(
            ~WhatsAppPresence.on_whatsapp, WhatsAppPresence.checked_at >= absent_since
        )
        reached = earlier.where(Recipient.status.in_(REACHED))
        opted_out = select(Suppression.phone).where(Suppression.user_id == campaign.user_id)
        skipped = earlier.where(
            Recipient.status == RecipientStatus.SKIPPED,
            Recipient.phone.not_in(opted_out),
            Recipient.phone.not_in(reached),
            Recipient.phone.not_in(answered_on),
        )
        pending = select(func.count(distinct(Recipient.phone))).where(
            Recipient.campaign_id == campaign.id, Recipient.status == RecipientStatus.PENDING
        )
        known_on = or_(Recipient.phone.in_(reached), Recipient.phone.in_(answered_on))
        known_absent = or_(Recipient.phone.in_(answered_absent), Recipient.phone.in_(skipped))
        return RecipientHistory(
            pending=await self.session.scalar(pending) or 0,
            known_on_whatsapp=await self.session.scalar(pending.where(known_on)) or 0,
            not_on_whatsapp=await self.session.scalar(pending.where(known_absent, ~known_on)) or 0,
        )

    async def send_history(self, sender_ids: Collection[int], *, since: datetime) -> SendHistory:
        """What the numbers' sends since ``since`` came to, over every campaign."""
        if not sender_ids:
            return SendHistory(0, 0)
        row = (
            await self.session.execute(
                select(
                    func.count(),
                    func.coalesce(
                        func.sum(case((Recipient.status.in_(GONE_WRONG), 1), else_=0)), 0
                    ),
                ).where(Recipient.sender_id.in_(sender_ids), Recipient.claimed_at >= since)
            )
        ).one()
        return SendHistory(attempted=int(row[0]), gone_wrong=int(row[1]))
