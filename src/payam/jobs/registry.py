"""Jobs are declared here, as plain ``async def`` functions, before any broker exists.

Dramatiq binds an actor to a broker the moment the actor is declared, and ``dramatiq.get_broker()``
silently builds a RabbitMQ broker on 127.0.0.1 when none was set. Declaring actors at import time
would therefore tie them to whichever broker happened to exist then. Instead ``@job`` only records
the function; :func:`payam.jobs.worker.configure_jobs` builds the broker from the settings and
then declares one actor per recorded job on it.

Every queue is at-least-once: a job may run twice, or resume after a crash. Jobs make that
harmless through the database, never by trusting the queue.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Generic, ParamSpec

from dramatiq import Broker
from dramatiq.asyncio import get_event_loop_thread
from dramatiq.middleware import CurrentMessage

P = ParamSpec("P")

DEFAULT_QUEUE = "default"


@dataclass(frozen=True, slots=True)
class JobAttempt:
    """Which delivery of its message a job is running: 0 is the first, then one per retry."""

    retries: int
    max_retries: int

    @property
    def is_last(self) -> bool:
        return self.retries >= self.max_retries


_ATTEMPT: ContextVar[JobAttempt | None] = ContextVar("payam_job_attempt", default=None)


def current_attempt() -> JobAttempt:
    """The running job's attempt; a job called directly (a test, a script) has only one."""
    return _ATTEMPT.get() or JobAttempt(retries=0, max_retries=0)


class _BrokerHolder:
    broker: Broker | None = None


def set_configured_broker(broker: Broker | None) -> None:
    _BrokerHolder.broker = broker


def configured_broker() -> Broker:
    broker = _BrokerHolder.broker
    if broker is None:
        raise RuntimeError(
            "Jobs are not configured: call payam.jobs.configure_jobs(settings) at start-up"
        )
    return broker


class Job(Generic[P]):
    """An ``async def`` job; ``await job(...)`` runs it here, ``job.send(...)`` queues it."""

    def __init__(
        self,
        fn: Callable[P, Awaitable[None]],
        *,
        name: str,
        queue_name: str,
        max_retries: int,
        min_backoff_ms: int,
        time_limit_ms: int,
        on_worker_start: bool,
    ) -> None:
        self.fn = fn
        self.name = name
        self.queue_name = queue_name
        self.max_retries = max_retries
        self.min_backoff_ms = min_backoff_ms
        self.time_limit_ms = time_limit_ms
        self.on_worker_start = on_worker_start
        functools.update_wrapper(self, fn)

    async def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        await self.fn(*args, **kwargs)

    def send(self, *args: P.args, **kwargs: P.kwargs) -> None:
        """Queue a run. Arguments travel as JSON: ids and strings, never ORM objects.

        Call it after the commit (``run_after_commit``) so that the worker finds the rows.
        """
        configured_broker().get_actor(self.name).send(*args, **kwargs)

    def actor_function(self) -> Callable[..., None]:
        """The synchronous function the Dramatiq actor wraps.

        Dramatiq could run the coroutine itself (it wraps ``async def`` actors with
        ``async_to_sync``), but the message, and so the retry count, lives in a context variable
        of the worker thread, which the coroutine on the event-loop thread cannot see. This
        wrapper reads it in the worker thread and hands it to the coroutine.
        """
        job = self

        def run(*args: Any, **kwargs: Any) -> None:
            message = CurrentMessage.get_current_message()
            retries = int(message.options.get("retries", 0)) if message is not None else 0
            attempt = JobAttempt(retries=retries, max_retries=job.max_retries)
            loop_thread = get_event_loop_thread()
            if loop_thread is None:
                raise RuntimeError("The broker lacks the AsyncIO middleware")
            loop_thread.run_coroutine(job._run_as(attempt, args, kwargs))

        run.__name__ = run.__qualname__ = self.name
        run.__module__ = self.fn.__module__
        return run

    async def _run_as(
        self, attempt: JobAttempt, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> None:
        # Each run_coroutine call is its own task with its own context copy: this does not leak.
        _ATTEMPT.set(attempt)
        await self.fn(*args, **kwargs)


_REGISTRY: dict[str, Job[Any]] = {}


def job(
    *,
    name: str,
    queue_name: str = DEFAULT_QUEUE,
    max_retries: int = 3,
    min_backoff_ms: int = 2_000,
    time_limit_ms: int = 10 * 60 * 1000,
    on_worker_start: bool = False,
) -> Callable[[Callable[P, Awaitable[None]]], Job[P]]:
    """Record an ``async def`` as a job named ``name``.

    ``on_worker_start`` jobs (taking no arguments) are queued each time a worker starts: the
    place for recovery sweeps, since an embedded broker forgets its messages on restart.
    """

    def record(fn: Callable[P, Awaitable[None]]) -> Job[P]:
        if name in _REGISTRY:
            raise ValueError(f"A job named {name!r} is already declared")
        declared = Job(
            fn,
            name=name,
            queue_name=queue_name,
            max_retries=max_retries,
            min_backoff_ms=min_backoff_ms,
            time_limit_ms=time_limit_ms,
            on_worker_start=on_worker_start,
        )
        _REGISTRY[name] = declared
        return declared

    return record


def registered_jobs() -> list[Job[Any]]:
    return list(_REGISTRY.values())
