"""The Cloud API inbox's done entries, removed by every worker's housekeeping pass.

An entry stays while it waits for the engine; once acknowledged (``taken_at``) it is kept for
``INBOX_KEEP`` so that a delivery Meta repeats within its own retry window (about a week) still
finds its key and records nothing twice, then goes. A repeat after that would be recorded again,
harmlessly: a receipt never moves a message back, and an opt-out is added once.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.providers.cloud.repository import CloudInboxRepository
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

INBOX_KEEP = timedelta(days=8)
_BATCH = 5_000


async def sweep_cloud_inbox(runtime: Runtime, *, now: datetime | None = None) -> int:
    """Remove entries acknowledged more than ``INBOX_KEEP`` ago; how many went."""
    cutoff = (now or utc_now()) - INBOX_KEEP
    removed = 0
    while True:
        async with transaction(runtime.sessionmaker) as session:
            batch = await CloudInboxRepository(session).delete_taken_before(cutoff, limit=_BATCH)
        removed += batch
        if batch < _BATCH:
            break
    if removed:
        logger.info("providers.cloud.inbox_swept", removed=removed)
    return removed
