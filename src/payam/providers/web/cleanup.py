"""WhatsApp Web's pairs of message ids, removed by every worker's housekeeping pass once no
receipt can still name them (WhatsApp gives up on delivering a message after about 30 days)."""

from __future__ import annotations

from datetime import datetime, timedelta

import structlog

from payam.kit.clock import utc_now
from payam.providers.cloud.cleanup import delete_in_batches
from payam.providers.web.repository import WebRepository
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

SENT_KEEP = timedelta(days=35)


async def sweep_web_sent(runtime: Runtime, *, now: datetime | None = None) -> int:
    """Remove the pairs of sends older than ``SENT_KEEP``; how many went."""
    cutoff = (now or utc_now()) - SENT_KEEP
    removed = await delete_in_batches(
        runtime,
        lambda session, limit: WebRepository(session).delete_sent_before(cutoff, limit=limit),
    )
    if removed:
        logger.info("providers.web.sent_swept", removed=removed)
    return removed
