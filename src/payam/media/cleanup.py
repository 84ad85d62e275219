"""Attachment files nothing needs any more, removed by every worker's housekeeping pass.

A kept file (``{data_dir}/media/ab/ab12…``) stays while a ``media_files`` row names it. Past the
grace period (``PAYAM_FILE_GRACE_HOURS``) a kept file no row names goes (its row's commit failed
in a crash, or its delete's own removal did not run), and so does a staged upload in
``.incoming/`` nobody has written to (its request died). Deleting an attachment removes its
file at once, after the commit (``MediaService.delete_own``). Several workers may sweep at once:
removing a file another pass removed first is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
import structlog

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.media.repository import MediaRepository
from payam.media.storage import MediaStorage
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class MediaSweep:
    partial_removed: int = 0  # staged uploads never finished
    orphans_removed: int = 0  # kept files no row names


async def sweep_media_files(runtime: Runtime, *, now: datetime | None = None) -> MediaSweep:
    """One housekeeping pass over the attachments' files; ``now`` is for tests."""
    grace = timedelta(hours=runtime.settings.file_grace_hours)
    moment = (now or utc_now()).timestamp()
    storage = MediaStorage.for_settings(runtime.settings)
    partial = await anyio.to_thread.run_sync(
        lambda: storage.sweep_incoming(older_than_seconds=grace.total_seconds(), now=moment)
    )
    candidates = await anyio.to_thread.run_sync(
        lambda: storage.kept_keys(modified_before=moment - grace.total_seconds())
    )
    async with transaction(runtime.sessionmaker) as session:
        owned = await MediaRepository(session).existing_keys(candidates)
    orphans = [key for key in candidates if key not in owned]
    for key in orphans:
        await anyio.to_thread.run_sync(storage.delete, key)
    sweep = MediaSweep(partial_removed=partial, orphans_removed=len(orphans))
    if partial or orphans:
        logger.info("media_files_swept", partial_removed=partial, orphans_removed=len(orphans))
    return sweep
