"""The facts a preflight check reads: a campaign, its numbers, its recipients' history."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, distinct, func, select

from payam.kit.repository import Repository
from payam.models import Campaign, CampaignSender, Recipient, RecipientStatus, Sender, Suppression

REACHED = (RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ)
GONE_WRONG = (RecipientStatus.FAILED, RecipientStatus.UNKNOWN)


@dataclass(frozen=True, slots=True)
class RecipientHistory:
    pending: int
    reached_before: int  # sent to before from this user's numbers: on WhatsApp
    not_on_whatsapp: int  # skipped before, and not because they opted out


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

    async def recipient_history(self, campaign: Campaign) -> RecipientHistory:
        """How many of the campaign's pending recipients this user reached before, and how many
        were skipped before as not on WhatsApp."""
        earlier = (
            select(Recipient.phone)
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(Campaign.user_id == campaign.user_id, Campaign.id != campaign.id)
        )
        reached = earlier.where(Recipient.status.in_(REACHED))
        opted_out = select(Suppression.phone).where(Suppression.user_id == campaign.user_id)
        missing = earlier.where(
            Recipient.status == RecipientStatus.SKIPPED,
            Recipient.phone.not_in(opted_out),
            Recipient.phone.not_in(reached),
        )
        pending = select(func.count(distinct(Recipient.phone))).where(
            Recipient.campaign_id == campaign.id, Recipient.status == RecipientStatus.PENDING
        )
        return RecipientHistory(
            pending=await self.session.scalar(pending) or 0,
            reached_before=await self.session.scalar(pending.where(Recipient.phone.in_(reached)))
            or 0,
            not_on_whatsapp=await self.session.scalar(pending.where(Recipient.phone.in_(missing)))
            or 0,
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
