"""The Cloud API inbox's done entries, removed by every worker's housekeeping pass.

An entry stays while it waits for the engine; once acknowledged (``taken_at``) it is kept for
``INBOX_KEEP`` so that a delivery Meta repeats within its own retry window (about a week) still
finds its key and records nothing twice, then goes. A repeat after that would be recorded again,
harmlessly: a receipt never moves a message back, and an opt-out is added once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.providers.cloud.repository import CloudInboxRepository
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

INBOX_KEEP = timedelta(days=8)
_BATCH = 5_000


async def delete_in_batches(
    runtime: Runtime, delete: Callable[[AsyncSession, int], Awaitable[int]]
) -> int:
    """Call ``delete(session, limit)`` in short transactions until it deletes fewer than the
    limit; how many rows went in all."""
    removed = 0
    while True:
        async with transaction(runtime.sessionmaker) as session:
            batch = await delete(session, _BATCH)
        removed += batch
        if batch < _BATCH:
            return removed


async def sweep_cloud_inbox(runtime: Runtime, *, now: datetime | None = None) -> int:
    """Remove entries acknowledged more than ``INBOX_KEEP`` ago; how many went."""
    cutoff = (now or utc_now()) - INBOX_KEEP
    removed = await delete_in_batches(
        runtime,
        lambda session, limit: CloudInboxRepository(session).delete_taken_before(
            cutoff, limit=limit
        ),
    )
    if removed:
        logger.info("providers.cloud.inbox_swept", removed=removed)
    return removed
