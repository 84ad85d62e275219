"""Old deliveries and the events they carried, removed by every worker's housekeeping pass.

A delivery that was delivered or gave up (FAILED) more than PAYAM_WEBHOOK_RETENTION_DAYS ago
goes, with its attempts and its events. Nothing still waiting goes: neither an event no delivery
carries yet (its endpoint disabled, say) nor a delivery still being tried. The noticing's memory
stays too: for each endpoint and campaign or number, the last event it heard about it (with its
delivery), which the delivery loop compares with the current status; the events noticed once
(a campaign's start, an import, an opt-out) are not looked for further back than the retention
(``WebhookRepository._unannounced``), so removing them announces nothing twice.

Small transactions of a few thousand events each, so no pass holds locks for long; any number of
workers may run it at once (a row two of them remove is simply gone for the second).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import structlog

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.runtime import Runtime
from payam.webhooks.repository import WebhookRepository

logger = structlog.get_logger(__name__)

_DELIVERIES_LOOKED_AT = 500
_EVENTS_PER_TRANSACTION = 5_000


def _up_to_events(deliveries: Sequence[Any], limit: int) -> list[Any]:
    """The first deliveries whose events add up to ``limit`` at most (at least one)."""
    taken: list[Any] = []
    events = 0
    for delivery in deliveries:
        if taken and events + delivery.event_count > limit:
            break
        taken.append(delivery)
        events += delivery.event_count
    return taken


async def sweep_webhook_history(runtime: Runtime, *, now: datetime | None = None) -> int:
    """Remove finished deliveries older than the retention, with their events; how many went."""
    cutoff = (now or utc_now()) - timedelta(days=runtime.settings.webhook_retention_days)
    removed, after_id = 0, 0
    while True:
        async with transaction(runtime.sessionmaker) as session:
            repository = WebhookRepository(session)
            found = await repository.finished_deliveries_before(
                cutoff, after_id=after_id, limit=_DELIVERIES_LOOKED_AT
            )
            batch = _up_to_events(found, _EVENTS_PER_TRANSACTION)
            if not batch:
                break
            ids = [delivery.id for delivery in batch]
            remembered = await repository.remembered_events(ids)
            await repository.delete_events_of(ids, keeping=[event.id for event in remembered])
            kept = {event.delivery_id for event in remembered}
            gone = [delivery_id for delivery_id in ids if delivery_id not in kept]
            await repository.delete_deliveries(gone)
        removed += len(gone)
        after_id = ids[-1]
    if removed:
        logger.info("webhooks.history_swept", deliveries=removed)
    return removed
