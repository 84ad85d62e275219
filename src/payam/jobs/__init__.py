"""Background jobs on Dramatiq: in-process when embedded, Redis or RabbitMQ when scaled.

Declare a job in a feature's ``tasks.py`` and import that module in ``payam.background`` (the
queue knows no feature; every process that queues or runs jobs imports that module)::

    @job(name="contacts.import", queue_name="imports")
    async def import_contacts(import_id: int) -> None:
        runtime = job_runtime()
        ...

Queue it only once the data it needs is committed::

    run_after_commit(session, lambda: enqueue(import_contacts, contact_import.id))

Where the job worker runs (the API process or ``payam worker``) is in :mod:`payam.jobs.worker`.
"""

from __future__ import annotations

from typing import Any

import anyio.to_thread

from payam.jobs.registry import Job, JobAttempt, current_attempt, job
from payam.jobs.worker import (
    configure_jobs,
    embedded_worker,
    job_runtime,
    start_job_worker,
    stop_job_worker,
)


async def enqueue(declared: Job[Any], *args: Any) -> None:
    """Queue ``declared`` with ``args`` without blocking the event loop on the broker's I/O."""
    await anyio.to_thread.run_sync(lambda: declared.send(*args))


__all__ = [
    "Job",
    "JobAttempt",
    "configure_jobs",
    "current_attempt",
    "embedded_worker",
    "enqueue",
    "job",
    "job_runtime",
    "start_job_worker",
    "stop_job_worker",
]
