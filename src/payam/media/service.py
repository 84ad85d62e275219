"""The rules for attachments: who owns them, when they may go, and handing them to the engine."""

from __future__ import annotations

from pathlib import Path

import anyio.to_thread
import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.config import Settings
from payam.db.session import run_after_commit
from payam.kit.errors import Conflict
from payam.kit.pagination import Page, PageParams
from payam.media.errors import MediaUnavailable
from payam.media.repository import MediaRepository
from payam.media.storage import MediaStorage
from payam.media.upload import ReceivedUpload
from payam.models import MediaFile
from payam.providers.base import MediaPayload

logger = structlog.get_logger(__name__)


class MediaService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = MediaRepository(session)
        self.storage = MediaStorage.for_settings(settings)

    async def add(self, upload: ReceivedUpload, *, owner_id: int) -> MediaFile:
        """Keep an accepted upload's file and record it; the caller commits.

        Should that commit fail, the caller calls :meth:`forget`, so that a file never outlives
        its row and a row never points at nothing.
        """
        key = await anyio.to_thread.run_sync(self.storage.keep, upload.staged)
        upload.storage_key = key
        media = MediaFile(
            user_id=owner_id,
            kind=upload.detected.kind,
            mime_type=upload.detected.mime_type,
            size_bytes=upload.size_bytes,
            sha256=upload.sha256,
            filename=upload.filename,
            storage_key=key,
        )
        self.session.add(media)
        await self.session.flush()
        return media

    def forget(self, upload: ReceivedUpload) -> None:
        """Remove the file :meth:`add` kept, for an upload whose row was not committed."""
        if upload.storage_key is not None:
            self.storage.delete(upload.storage_key)

    async def list_own(self, *, owner_id: int, params: PageParams) -> Page[MediaFile]:
        return await self.repository.page_owned(owner_id, params)

    async def get_own(self, media_id: int, *, owner_id: int, for_update: bool = False) -> MediaFile:
        """The user's attachment; another user's is "not found" like a missing one."""
        return await self.repository.get_or_404(
            media_id, owner_id=owner_id, name="attachment", for_update=for_update
        )

    async def delete_own(self, media_id: int, *, owner_id: int) -> None:
        # Locked, so a campaign cannot take it up between the check and the delete (the
        # campaign's foreign key check waits on this lock, then fails on the missing row).
        media = await self.get_own(media_id, owner_id=owner_id, for_update=True)
        used_by = await self.repository.campaigns_using(media.id)
        if used_by:
            named = ", ".join(f"#{campaign_id}" for campaign_id in used_by[:5])
            more = f" and {len(used_by) - 5} more" if len(used_by) > 5 else ""
            raise Conflict(
                f"This attachment is used by campaign {named}{more}; remove it from them first"
            )
        key = media.storage_key
        await self.session.delete(media)
        await self.session.flush()

        async def remove_file() -> None:
            # After the commit only: a rolled-back delete must still find its file.
            await anyio.to_thread.run_sync(self.storage.delete, key)

        run_after_commit(self.session, remove_file)

    def content_path(self, media: MediaFile) -> Path:
        return self.storage.path_of(media.storage_key)


async def load_media_payload(
    session: AsyncSession, media_id: int, *, settings: Settings, owner_id: int | None = None
) -> MediaPayload:
    """The attachment's bytes and metadata, as the engine hands them to a provider.

    Reads and hashes the whole file: load it once per campaign (or sender batch) and reuse it,
    not once per recipient. ``owner_id``, when given, must own the attachment. Raises
    MediaUnavailable if the row or the file is gone, or the bytes no longer match their sha256.
    """
    media = await MediaRepository(session).get(media_id)
    if media is None or (owner_id is not None and media.user_id != owner_id):
        raise MediaUnavailable("The campaign's attachment has been deleted")
    storage = MediaStorage.for_settings(settings)
    content = await anyio.to_thread.run_sync(
        lambda: storage.read_verified(media.storage_key, sha256=media.sha256)
    )
    if content is None:
        logger.error("media_file_missing_or_changed", media_id=media.id, key=media.storage_key)
        raise MediaUnavailable("The campaign's attachment is missing or damaged on the server")
    return MediaPayload(
        kind=media.kind,
        mime_type=media.mime_type,
        filename=media.filename,
        content=content,
        sha256=media.sha256,
    )
