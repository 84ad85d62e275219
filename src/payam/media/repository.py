"""All SQL about attachments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import Campaign, MediaFile


class MediaRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, media_id: int, *, for_update: bool = False) -> MediaFile | None:
        return await self.session.get(MediaFile, media_id, with_for_update=for_update)

    def owned_by(self, owner_id: int) -> Select[Any]:
        return (
            select(MediaFile)
            .where(MediaFile.user_id == owner_id)
            .order_by(MediaFile.created_at.desc(), MediaFile.id.desc())
        )

    async def campaigns_using(self, media_id: int, *, limit: int = 100) -> list[int]:
        """Ids of campaigns that attach this media, read under a share lock.

        A locking read sees the latest committed rows whatever the isolation level, and holds
        them until the delete commits (SQLite: the transaction's write lock does the same).
        """
        rows = await self.session.scalars(
            select(Campaign.id)
            .where(Campaign.media_id == media_id)
            .order_by(Campaign.id)
            .limit(limit)
            .with_for_update(read=True)
        )
        return list(rows.all())
