"""The SQL of campaigns and their recipients."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import Recipient, RecipientStatus

# id, phone, name, status, attempt, error, sent_at, delivered_at, read_at
ReportRow = Row[
    int,
    str,
    str | None,
    RecipientStatus,
    int,
    str | None,
    datetime | None,
    datetime | None,
    datetime | None,
]


class CampaignRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def report_page(
        self, campaign_id: int, *, after_id: int, limit: int
    ) -> Sequence[ReportRow]:
        """The next ``limit`` recipients after ``after_id``, in the order they were added."""
        result = await self.session.execute(
            select(
                Recipient.id,
                Recipient.phone,
                Recipient.name,
                Recipient.status,
                Recipient.attempt,
                Recipient.error,
                Recipient.sent_at,
                Recipient.delivered_at,
                Recipient.read_at,
            )
            .where(Recipient.campaign_id == campaign_id, Recipient.id > after_id)
            .order_by(Recipient.id)
            .limit(limit)
        )
        return result.all()
