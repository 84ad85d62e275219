"""The import jobs, declared in every process by ``payam.background``'s import of this module."""

from __future__ import annotations

from datetime import timedelta

import structlog

from payam.db.session import transaction
from payam.imports.importer import finish_import, run_import, stalled_imports
from payam.imports.repository import ImportRepository
from payam.jobs import current_attempt, enqueue, job, job_runtime
from payam.jobs.broker import is_embedded_broker
from payam.kit.clock import utc_now
from payam.models import ImportStatus
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

IMPORT_QUEUE = "imports"
IMPORT_TIME_LIMIT_MS = 2 * 60 * 60 * 1000
# A run commits a batch every second or so; one silent this long was lost with its worker.
STALLED_AFTER = timedelta(minutes=5)


@job(
    name="contacts.import",
    queue_name=IMPORT_QUEUE,
    max_retries=5,
    min_backoff_ms=5_000,
    time_limit_ms=IMPORT_TIME_LIMIT_MS,
)
async def import_contacts(import_id: int) -> None:
    runtime = job_runtime()
    try:
        await run_import(runtime, import_id)
    except Exception:
        # Retries resume where the last committed batch ended; after the last one the import
        # must not stay RUNNING for ever.
        if current_attempt().is_last:
            await finish_import(
                runtime,
                import_id,
                status=ImportStatus.FAILED,
                error="the import stopped on an unexpected error; upload the file again to "
                "import the rest (numbers already imported are skipped)",
            )
        raise


# A worker may start while the database is still down: the sweep is tried again (1 s, doubling,
# about four minutes in all); the housekeeping pass sweeps again every few minutes after that.
@job(
    name="contacts.recover_imports",
    queue_name=IMPORT_QUEUE,
    max_retries=8,
    min_backoff_ms=1_000,
    on_worker_start=True,
)
async def recover_imports() -> None:
    """Re-queue imports whose run was lost: at every worker start.

    The embedded broker forgets its messages when the process stops, so there every unfinished
    import is orphaned; with Redis or RabbitMQ only those silent for a while are. A duplicate
    run is harmless (see ``importer``), merely wasted work.
    """
    runtime = job_runtime()
    idle_for = timedelta(0) if is_embedded_broker(runtime.settings.broker_url) else STALLED_AFTER
    await requeue_stalled_imports(runtime, idle_for=idle_for)


async def requeue_stalled_imports(runtime: Runtime, *, idle_for: timedelta = STALLED_AFTER) -> int:
    """Queue a new run of each import nothing has moved for ``idle_for``; how many were queued.

    At a worker's start (above) and in every worker's housekeeping pass, so an import whose
    worker died is resumed even when no worker starts again. Of several workers looking at
    once, one queues each import (``requeue_if_stalled``).
    """
    queued = 0
    for import_id in await stalled_imports(runtime, idle_for=idle_for):
        async with transaction(runtime.sessionmaker) as session:
            mine = await ImportRepository(session).requeue_if_stalled(
                import_id, updated_before=utc_now() - idle_for
            )
        if mine:
            await enqueue(import_contacts, import_id)
            queued += 1
    if queued:
        logger.info("stalled_imports_requeued", count=queued)
    return queued
