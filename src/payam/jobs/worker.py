"""Running jobs: the broker set-up, the embedded worker, the ``payam worker`` loop.

The API process (``create_app``'s lifespan) does, at start-up::

    configure_jobs(settings)            # always: the API queues jobs
    if settings.embedded_worker:
        start_embedded_worker()         # jobs run in this process too

and at shutdown ``stop_embedded_worker()`` (a no-op when none was started).

``payam worker`` calls ``run_worker_forever(settings)``: it configures the broker, starts a
Dramatiq ``Worker`` with its threads, queues the start-up recovery jobs, and blocks until SIGTERM
or SIGINT, then lets running jobs finish (up to ``shutdown_timeout_seconds``) and returns. Logging
is the caller's business (``configure_logging`` first). It is also ``python -m payam.jobs.worker``.

Jobs get their database through :func:`job_runtime`, a :class:`~payam.runtime.Runtime` made in
the worker's own event loop (the ``AsyncIO`` middleware's thread): connection pools belong to the
loop that opened them, so the API's runtime is never shared with jobs, even in one process.

Only one Dramatiq worker may run per process (the ``AsyncIO`` middleware keeps its loop in a
global), so the embedded worker and ``run_worker_forever`` are mutually exclusive.
"""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import Any

import dramatiq
import structlog
from dramatiq import Broker, Middleware, Worker
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.brokers.stub import StubBroker

from payam.config import Settings
from payam.jobs.broker import build_broker, is_embedded_broker
from payam.jobs.registry import registered_jobs, set_configured_broker
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

# Modules whose import declares jobs (``@job``). A feature with a ``tasks.py`` adds it here, so
# that every process, API or worker, declares the same actors.
JOB_MODULES: tuple[str, ...] = ("payam.contacts.tasks",)

EMBEDDED_WORKER_THREADS = 2
WORKER_THREADS = 8


@dataclass
class _State:
    broker: Broker | None = None
    broker_url: str | None = None
    settings: Settings | None = None
    worker: Worker | None = None
    runtime: Runtime | None = None


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
        for module in JOB_MODULES:
            importlib.import_module(module)
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
    """One actor per job; jobs of modules imported since the last call are added too."""
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


def _start_worker(*, threads: int) -> Worker:
    with _lock:
        if _state.broker is None:
            raise RuntimeError("Call configure_jobs(settings) before starting a worker")
        if _state.worker is not None:
            raise RuntimeError("A worker is already running in this process")
        worker = Worker(_state.broker, worker_threads=threads, worker_timeout=200)
        worker.start()
        _state.worker = worker
    for declared in registered_jobs():
        if declared.on_worker_start:
            declared.send()
    return worker


def _stop_worker(*, timeout_seconds: float) -> None:
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


def start_embedded_worker(*, threads: int = EMBEDDED_WORKER_THREADS) -> None:
    """Run jobs in this process (``PAYAM_EMBEDDED_WORKER``), on the configured broker."""
    _start_worker(threads=threads)
    logger.info("embedded_worker_started", threads=threads)


def stop_embedded_worker(*, timeout_seconds: float = 30.0) -> None:
    """Let running jobs finish (up to the timeout), then stop; a no-op when none runs."""
    _stop_worker(timeout_seconds=timeout_seconds)


@contextmanager
def embedded_worker(
    settings: Settings, *, threads: int = EMBEDDED_WORKER_THREADS
) -> Iterator[None]:
    """``configure_jobs`` + a running embedded worker for the block (tests, scripts)."""
    configure_jobs(settings)
    start_embedded_worker(threads=threads)
    try:
        yield
    finally:
        stop_embedded_worker()


def run_worker_forever(
    settings: Settings,
    *,
    threads: int = WORKER_THREADS,
    shutdown_timeout_seconds: float = 600.0,
) -> None:
    """The body of ``payam worker``: work until SIGTERM or SIGINT, then stop gracefully."""
    if is_embedded_broker(settings.broker_url):
        raise RuntimeError(
            "payam worker needs PAYAM_BROKER_URL (redis:// or amqp://): the in-process broker "
            "only serves the worker embedded in the API process"
        )
    broker = configure_jobs(settings)
    # What the dramatiq CLI does for each worker process; TimeLimit starts its watchdog here.
    broker.emit_after("process_boot")
    stopping = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        logger.info("worker_stopping", signal=signal.Signals(signum).name)
        stopping.set()

    previous: dict[int, Any] = {
        signum: signal.signal(signum, request_stop) for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        _start_worker(threads=threads)
        logger.info("worker_started", threads=threads, queues=sorted(broker.get_declared_queues()))
        stopping.wait()
    finally:
        _stop_worker(timeout_seconds=shutdown_timeout_seconds)
        broker.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        logger.info("worker_stopped")


if __name__ == "__main__":  # pragma: no cover - the stop-gap until `payam worker` exists
    from payam.config import get_settings
    from payam.observability.logging import configure_logging

    configure_logging(json_logs=True)
    run_worker_forever(get_settings())
