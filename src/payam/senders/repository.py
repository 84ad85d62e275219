"""The SQL of linked WhatsApp numbers."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import CampaignSender, Sender, SenderStatus


class SenderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def connected_counts(self, campaign_ids: Sequence[int]) -> dict[int, int]:
        """How many of each campaign's numbers are connected (campaigns with none are absent)."""
        if not campaign_ids:
            return {}
        rows = await self.session.execute(
            select(CampaignSender.campaign_id, func.count())
            .join(Sender, Sender.id == CampaignSender.sender_id)
            .where(
                CampaignSender.campaign_id.in_(campaign_ids),
                Sender.status == SenderStatus.CONNECTED,
            )
            .group_by(CampaignSender.campaign_id)
        )
        return {row[0]: row[1] for row in rows}
