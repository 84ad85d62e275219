"""What runs beside the API: the dispatcher, the job worker, webhooks and the housekeeping.

Embedded (``PAYAM_EMBEDDED_WORKER=true``, the default) they run inside ``payam serve``; scaled,
``payam worker`` processes run them and the API only queues jobs. Either way the database is the
truth: any number of dispatchers can run, each owning the WhatsApp numbers it has leased.

Every feature's jobs are declared when its ``tasks`` module is imported; this module imports them
all, so that every process (the API and ``payam worker`` alike) knows the same jobs and the queue
(``payam.jobs``) knows no feature. A feature with a ``tasks.py`` adds its import here.

The housekeeping runs in every such process, every ``PAYAM_HOUSEKEEPING_SECONDS``: it removes the
files nothing in the database owns any more (each feature's ``cleanup`` module says which) and
re-queues imports whose run was lost. Any number of processes may run it at once (see there).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime

import structlog

from payam.auth import tasks as auth_tasks  # noqa: F401 (and see the module's docstring)
from payam.config import Settings
from payam.dispatch.engine import CampaignsChanged, Dispatcher
from payam.imports import tasks as import_tasks  # (and see the module's docstring)
from payam.imports.cleanup import sweep_import_files
from payam.jobs.broker import is_embedded_broker
from payam.jobs.worker import WORKER_THREADS, configure_jobs, start_job_worker, stop_job_worker
from payam.kit.heap import freeze_startup_objects
from payam.live.publisher import ProgressPublisher
from payam.media.cleanup import sweep_media_files
from payam.providers.cloud.cleanup import sweep_cloud_inbox
from payam.providers.web.cleanup import sweep_web_sent
from payam.runtime import Runtime
from payam.webhooks.cleanup import sweep_webhook_history
from payam.webhooks.delivery import delivering_webhooks
from payam.webhooks.keys import reseal_endpoint_secrets

logger = structlog.get_logger(__name__)


@contextlib.asynccontextmanager
async def running_dispatcher(
    runtime: Runtime, *, on_campaigns_changed: CampaignsChanged | None = None
) -> AsyncIterator[Dispatcher]:
    stop = asyncio.Event()
    dispatcher = Dispatcher(runtime, on_campaigns_changed=on_campaigns_changed)
    task = asyncio.create_task(dispatcher.run(stop))
    try:
        yield dispatcher
    finally:
        stop.set()
        await task


async def housekeeping(runtime: Runtime, *, jobs: bool, now: datetime | None = None) -> None:
    """One pass: old files nothing owns go, the Cloud API inbox's done entries and old webhook
    deliveries, and webhook secrets move to the newest credential key; with ``jobs``, stalled
    imports are queued again.

    A process that runs no job worker queues no jobs (the in-process broker would keep them to
    itself). Each part's failure is logged and the next part still runs; ``now`` is for tests.
    """
    parts: list[tuple[str, Callable[[], Awaitable[object]]]] = [
        ("imports_files", lambda: sweep_import_files(runtime, now=now)),
        ("media_files", lambda: sweep_media_files(runtime, now=now)),
        ("cloud_inbox", lambda: sweep_cloud_inbox(runtime, now=now)),
        ("web_sent", lambda: sweep_web_sent(runtime, now=now)),
        ("webhook_history", lambda: sweep_webhook_history(runtime, now=now)),
        ("webhook_secrets", lambda: reseal_endpoint_secrets(runtime)),
    ]
    if jobs:
        parts.append(("stalled_imports", lambda: import_tasks.requeue_stalled_imports(runtime)))
    for name, part in parts:
        try:
            await part()
        except Exception:
            logger.exception("housekeeping_failed", part=name)


@contextlib.asynccontextmanager
async def running_housekeeping(runtime: Runtime, *, jobs: bool) -> AsyncIterator[None]:
    """A pass at once, then every ``PAYAM_HOUSEKEEPING_SECONDS`` until the block ends."""
    stop = asyncio.Event()

    async def loop() -> None:
        while not stop.is_set():
            await housekeeping(runtime, jobs=jobs)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), runtime.settings.housekeeping_seconds)

    task = asyncio.create_task(loop())
    try:
        yield
    finally:
        stop.set()
        await task


@contextlib.asynccontextmanager
async def embedded_background(runtime: Runtime) -> AsyncIterator[None]:
    """The API process's own dispatcher, job worker and housekeeping, for the one-command mode."""
    start_job_worker()
    publisher = ProgressPublisher(runtime, runtime.hub)
    try:
        async with (
            running_housekeeping(runtime, jobs=True),
            running_dispatcher(runtime, on_campaigns_changed=publisher),
            delivering_webhooks(runtime),
        ):
            yield
    finally:
        await publisher.close()
        await asyncio.to_thread(stop_job_worker)


def run_worker(settings: Settings) -> None:
    """The body of ``payam worker``: dispatch, and run jobs when a broker is configured."""
    freeze_startup_objects()
    asyncio.run(_worker_main(settings))


async def _worker_main(settings: Settings, stop: asyncio.Event | None = None) -> None:
    """Until SIGTERM or SIGINT, or until ``stop`` is set when given (tests)."""
    if stop is None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
    runtime = Runtime.create(settings)
    # The in-process broker only holds what this process queued, and a worker queues no imports.
    jobs = not is_embedded_broker(settings.broker_url)
    if jobs:
        configure_jobs(settings)
        start_job_worker(threads=WORKER_THREADS)
    logger.info("worker_started", jobs=jobs)
    # Without Redis a worker's progress reaches no screen; the database still has it all.
    publisher = ProgressPublisher(runtime, runtime.hub)
    try:
        dispatcher = Dispatcher(runtime, on_campaigns_changed=publisher)
        async with running_housekeeping(runtime, jobs=jobs), delivering_webhooks(runtime):
            await dispatcher.run(stop)
    finally:
        await publisher.close()
        if jobs:
            await asyncio.to_thread(stop_job_worker)
        await runtime.close()
        logger.info("worker_stopped")
