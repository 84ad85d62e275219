"""The SQL of linked WhatsApp numbers, and of the campaigns that send through them."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import exists, func, select

from payam.kit.repository import Repository
from payam.models import Campaign, CampaignSender, CampaignStatus, Sender


class SenderRepository(Repository[Sender]):
    model = Sender

    async def list_owned(self, owner_id: int) -> Sequence[Sender]:
        statement = select(Sender).where(Sender.user_id == owner_id).order_by(Sender.id)
        return (await self.session.scalars(statement)).all()

    async def owned_ids(self, owner_id: int, sender_ids: Sequence[int]) -> set[int]:
        """Which of these numbers are ``owner_id``'s."""
        found = await self.session.scalars(
            select(Sender.id).where(Sender.id.in_(sender_ids), Sender.user_id == owner_id)
        )
        return set(found.all())

    async def used_by_campaign_in(
        self, sender_id: int, statuses: Collection[CampaignStatus]
    ) -> bool:
        """Whether a campaign in one of ``statuses`` sends through this number."""
        found = await self.session.scalar(
            select(
                exists()
                .where(CampaignSender.sender_id == sender_id)
                .where(CampaignSender.campaign_id == Campaign.id)
                .where(Campaign.status.in_(statuses))
            )
        )
        return bool(found)

    async def of_campaign(
        self, campaign_id: int, *, only_id: int | None = None
    ) -> Sequence[Sender]:
        """The campaign's numbers (or just ``only_id``, if it is one of them), by id."""
        statement = (
            select(Sender)
            .join(CampaignSender, CampaignSender.sender_id == Sender.id)
            .where(CampaignSender.campaign_id == campaign_id)
            .order_by(Sender.id)
        )
        if only_id is not None:
            statement = statement.where(Sender.id == only_id)
        return (await self.session.scalars(statement)).all()

    async def connected_counts(self, campaign_ids: Sequence[int]) -> dict[int, int]:
        """How many of each campaign's numbers may send: connected, and not suspended by an admin
        (campaigns with none are absent)."""
        if not campaign_ids:
            return {}
        rows = await self.session.execute(
            select(CampaignSender.campaign_id, func.count())
            .join(Sender, Sender.id == CampaignSender.sender_id)
            .where(
                CampaignSender.campaign_id.in_(campaign_ids),
                Sender.may_send,
            )
            .group_by(CampaignSender.campaign_id)
        )
        return {row[0]: row[1] for row in rows}

    async def strictest_interval(self, sender_id: int) -> int:
        """Campaigns sharing a number share its pace: the slowest one's interval holds for all."""
        interval = await self.session.scalar(
            select(func.max(Campaign.interval_seconds))
            .join(CampaignSender, CampaignSender.campaign_id == Campaign.id)
            .where(CampaignSender.sender_id == sender_id, Campaign.status == CampaignStatus.RUNNING)
        )
        return int(interval or 0)
