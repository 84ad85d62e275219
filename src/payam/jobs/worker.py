"""Running jobs: the broker set-up and the job worker, in the API process or in ``payam worker``.

Every process that queues or runs jobs calls ``configure_jobs(settings)`` at start-up. The job
worker (Dramatiq's ``Worker`` and its threads) then runs in one of two places:

- embedded in the API process (``PAYAM_EMBEDDED_WORKER``, ``create_app``'s lifespan), on the
  in-process broker or a real one;
- in ``payam worker`` (:mod:`payam.background`), beside the dispatcher, when ``PAYAM_BROKER_URL``
  names a real broker; the in-process one only reaches the process that queued the job.

Either way it is started with :func:`start_job_worker` and stopped with :func:`stop_job_worker`,
which lets running jobs finish.

Jobs get their database through :func:`job_runtime`, a :class:`~payam.runtime.Runtime` made in
the worker's own event loop (the ``AsyncIO`` middleware's thread): connection pools belong to the
loop that opened them, so the API's runtime is never shared with jobs, even in one process.

Only one Dramatiq worker may run per process (the ``AsyncIO`` middleware keeps its loop in a
global).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import dramatiq
import structlog
from dramatiq import Broker, Middleware, Worker
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.stub import StubBroker

from payam.config import Settings
from payam.jobs.broker import build_broker
from payam.jobs.registry import registered_jobs, set_configured_broker
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

EMBEDDED_WORKER_THREADS = 2
WORKER_THREADS = 8


@dataclass
class _State:
    broker: Broker | None = None
    broker_url: str | None = None
    settings: Settings | None = None
    worker: Worker | None = None
    runtime: Runtime | None = None
    booted: Broker | None = None  # the broker whose process_boot hooks have run


_state = _State()
_lock = threading.RLock()


class _JobRuntimeMiddleware(Middleware):
    """Closes the jobs' runtime on the worker's loop, before the ``AsyncIO`` middleware stops it.

    ``after_*`` hooks run in reverse order of addition, and this one is added after ``AsyncIO``.
    """

    def after_worker_shutdown(self, broker: Broker, worker: Worker) -> None:
        with _lock:
            runtime, _state.runtime = _state.runtime, None
        loop_thread = get_event_loop_thread()
        if runtime is not None and loop_thread is not None:
            loop_thread.run_coroutine(runtime.close())


def configure_jobs(settings: Settings) -> Broker:
    """Build the broker for ``settings`` and declare every job on it; safe to call again.

    A second call with the same ``broker_url`` keeps the broker and only takes the new settings
    (used by the next worker start). A different ``broker_url`` builds a new broker, which is
    refused while a worker runs.
    """
    with _lock:
        _state.settings = settings
        broker = _state.broker
        if broker is None or _state.broker_url != settings.broker_url:
            if _state.worker is not None:
                raise RuntimeError("Stop the worker before switching to another broker")
            if broker is not None:
                broker.close()
            broker = build_broker(settings)
            broker.add_middleware(_JobRuntimeMiddleware())
            # set_broker before declaring: nothing may fall back on Dramatiq's implicit default.
            dramatiq.set_broker(broker)
            _state.broker, _state.broker_url = broker, settings.broker_url
            set_configured_broker(broker)
        _declare_jobs(broker)
        return broker


def _declare_jobs(broker: Broker) -> None:
    """One actor per job declared so far (``payam.background`` imports every feature's jobs);
    jobs of modules imported since the last call are added too."""
    for declared in registered_jobs():
        if declared.name in broker.actors:
            continue
        dramatiq.actor(
            broker=broker,
            actor_name=declared.name,
            queue_name=declared.queue_name,
            max_retries=declared.max_retries,
            min_backoff=declared.min_backoff_ms,
            time_limit=declared.time_limit_ms,
        )(declared.actor_function())


def job_runtime() -> Runtime:
    """The runtime jobs use: settings, database sessions, Redis, notification senders.

    Made on first use, inside the worker's event loop, and closed when the worker stops.
    """
    with _lock:
        if _state.runtime is None:
            if _state.settings is None:
                raise RuntimeError("Jobs are not configured: call configure_jobs(settings)")
            _state.runtime = Runtime.create(_state.settings)
        return _state.runtime


def start_job_worker(*, threads: int = EMBEDDED_WORKER_THREADS) -> None:
    """Run jobs in this process, on the configured broker, and queue the start-up jobs."""
    with _lock:
        if _state.broker is None:
            raise RuntimeError("Call configure_jobs(settings) before starting a worker")
        if _state.worker is not None:
            raise RuntimeError("A worker is already running in this process")
        if _state.booted is not _state.broker:
            # What the dramatiq command does once per process; TimeLimit starts its watchdog.
            _state.broker.emit_after("process_boot")
            _state.booted = _state.broker
        worker = Worker(_state.broker, worker_threads=threads, worker_timeout=200)
        worker.start()
        _state.worker = worker
    for declared in registered_jobs():
        if declared.on_worker_start:
            declared.send()
    logger.info("job_worker_started", threads=threads)


def stop_job_worker(*, timeout_seconds: float = 30.0) -> None:
    """Let running jobs finish (up to the timeout), then stop; a no-op when none runs."""
    with _lock:
        worker, _state.worker = _state.worker, None
        broker = _state.broker
    if worker is not None and broker is not None:
        worker.stop(timeout=int(timeout_seconds * 1000))
        # Worker.start adds a middleware that points at this worker; a later one adds its own.
        broker.middleware = [
            m for m in broker.middleware if getattr(m, "worker", None) is not worker
        ]
    if isinstance(broker, StubBroker):
        # In-memory messages die with the worker; keeping them would hand them to the next
        # worker of this process, possibly under other settings (a test's database). The
        # recovery job re-queues what the database says is unfinished.
        broker.flush_all()


@contextmanager
def embedded_worker(
    settings: Settings, *, threads: int = EMBEDDED_WORKER_THREADS
) -> Iterator[None]:
    """``configure_jobs`` + a running job worker for the block (tests, scripts)."""
    configure_jobs(settings)
    start_job_worker(threads=threads)
    try:
        yield
    finally:
        stop_job_worker()
