"""All SQL about attachments."""

from __future__ import annotations

from sqlalchemy import select

from payam.kit.pagination import Page, PageParams
from payam.kit.repository import Repository
from payam.models import Campaign, MediaFile


class MediaRepository(Repository[MediaFile]):
    model = MediaFile

    async def page_owned(self, owner_id: int, params: PageParams) -> Page[MediaFile]:
        """The owner's attachments, newest first."""
        return await self.paginate(
            select(MediaFile)
            .where(MediaFile.user_id == owner_id)
            .order_by(MediaFile.created_at.desc(), MediaFile.id.desc()),
            params,
        )

    async def existing_keys(self, storage_keys: list[str], *, chunk: int = 5_000) -> set[str]:
        """Those of ``storage_keys`` some attachment's row names."""
        found: set[str] = set()
        for start in range(0, len(storage_keys), chunk):
            rows = await self.session.scalars(
                select(MediaFile.storage_key).where(
                    MediaFile.storage_key.in_(storage_keys[start : start + chunk])
                )
            )
            found.update(rows.all())
        return found

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
