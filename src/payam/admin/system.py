"""The platform's state for admins and for Prometheus: workers and the numbers they hold, job
queues, numbers by provider and state, the database and Redis, and how late due sends are."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import datetime
from typing import Protocol

import structlog
from dramatiq import Broker
from prometheus_client import Gauge
from pydantic import Field
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.admin.repository import SystemRepository
from payam.jobs.depths import queue_depths
from payam.jobs.registry import configured_broker
from payam.kit.clock import utc_now
from payam.kit.schemas import Schema
from payam.models import ProviderName, SenderStatus
from payam.observability.health import (
    READINESS_TIMEOUT_SECONDS,
    ProbeTargets,
    redis_check,
    refresh_before_scrape,
)
from payam.observability.metrics import REGISTRY

_log = structlog.stdlib.get_logger(__name__)


class StatusSources(ProbeTargets, Protocol):
    """What the status reads from the process's runtime (``payam.runtime.Runtime`` has it)."""

    @property
    def sessionmaker(self) -> async_sessionmaker[AsyncSession]: ...


class WorkerView(Schema):
    worker_id: str
    numbers: list[int] = Field(description="the WhatsApp numbers this worker holds now")
    lease_expires_at: datetime = Field(description="when its latest lease runs out if not renewed")


class QueueView(Schema):
    queue: str
    ready: int = Field(description="jobs waiting for a worker")
    delayed: int = Field(description="jobs waiting for their time (a retry's back-off)")
    dead: int = Field(description="jobs that failed every try")


class NumberCount(Schema):
    provider: ProviderName
    status: SenderStatus
    suspended: bool
    count: int


class DispatchView(Schema):
    late_numbers: int = Field(description="numbers with a running campaign whose send is due")
    lag_seconds: float = Field(description="how long the most overdue of those has waited")
    overdue_starts: int = Field(description="scheduled campaigns whose time has passed")
    start_lag_seconds: float


class SystemStatus(Schema):
    checked_at: datetime
    database: str = Field(description='"ok": the status was read from it')
    database_ms: float = Field(description="how long the database took to answer SELECT 1")
    redis: str = Field(description='"ok", "not configured" or "error: <type>"')
    workers: list[WorkerView] = Field(description="workers holding numbers now (live leases)")
    queues: list[QueueView] | None = Field(description="null when the broker cannot be read")
    jobs_failing: int | None = Field(description="dead jobs in every queue")
    numbers: list[NumberCount]
    dispatch: DispatchView


async def system_status(runtime: StatusSources, session: AsyncSession) -> SystemStatus:
    """Read now, through ``session`` (the request's: on SQLite a second connection would wait
    for its lock); Redis and the broker each on their own, so one down leaves the rest to tell."""
    now = utc_now()
    system = SystemRepository(session)
    started = time.perf_counter()
    await system.ping()
    database_ms = (time.perf_counter() - started) * 1000
    workers = _workers(await system.leases(now=now))
    numbers = [
        NumberCount(provider=provider, status=status, suspended=suspended, count=count)
        for provider, status, suspended, count in await system.numbers_by_state()
    ]
    lag = await system.dispatch_lag(now=now)
    queues = await _queues()
    return SystemStatus(
        checked_at=now,
        database="ok",
        database_ms=round(database_ms, 2),
        redis=await redis_check(runtime),
        workers=workers,
        queues=queues,
        jobs_failing=None if queues is None else sum(queue.dead for queue in queues),
        numbers=numbers,
        dispatch=DispatchView(
            late_numbers=lag.late_numbers,
            lag_seconds=_seconds_since(lag.oldest_due_at, now),
            overdue_starts=lag.overdue_starts,
            start_lag_seconds=_seconds_since(lag.oldest_start_at, now),
        ),
    )


def _workers(leases: list[tuple[str, int, datetime]]) -> list[WorkerView]:
    held: dict[str, list[int]] = defaultdict(list)
    until: dict[str, datetime] = {}
    for worker, number, expires in leases:
        held[worker].append(number)
        until[worker] = max(expires, until.get(worker, expires))
    return [WorkerView(worker_id=w, numbers=held[w], lease_expires_at=until[w]) for w in held]


def _seconds_since(moment: datetime | None, now: datetime) -> float:
    return 0.0 if moment is None else max((now - moment).total_seconds(), 0.0)


async def _queues() -> list[QueueView] | None:
    try:
        broker: Broker = configured_broker()
        depths = await queue_depths(broker)
    except Exception as exc:  # a broker down must not take the status page with it
        _log.warning("queue_depths_unavailable", reason=type(exc).__name__)
        return None
    return [QueueView(queue=d.queue, ready=d.ready, delayed=d.delayed, dead=d.dead) for d in depths]


# ---- the same figures for Prometheus -------------------------------------------------------

DEPENDENCY_UP = Gauge(
    "payam_dependency_up",
    "1 when the dependency answers (database, redis), 0 when it does not.",
    ["dependency"],
    registry=REGISTRY,
)
WORKERS_ALIVE = Gauge(
    "payam_workers_alive", "Workers holding WhatsApp numbers now (live leases).", registry=REGISTRY
)
WORKER_NUMBERS = Gauge(
    "payam_worker_numbers", "WhatsApp numbers each worker holds.", ["worker"], registry=REGISTRY
)
QUEUE_JOBS = Gauge(
    "payam_queue_jobs",
    "Jobs in each queue: ready (waiting for a worker), delayed (back-off), dead (failed).",
    ["queue", "state"],
    registry=REGISTRY,
)
NUMBERS = Gauge(
    "payam_numbers",
    "Linked WhatsApp numbers by provider, status and suspension.",
    ["provider", "status", "suspended"],
    registry=REGISTRY,
)
DISPATCH_LAG = Gauge(
    "payam_dispatch_lag_seconds",
    "How long the most overdue due send (a running campaign's number) has waited.",
    registry=REGISTRY,
)
DISPATCH_LATE_NUMBERS = Gauge(
    "payam_dispatch_late_numbers",
    "Numbers with a running campaign whose next send is due now.",
    registry=REGISTRY,
)
OVERDUE_STARTS = Gauge(
    "payam_campaigns_overdue_starts",
    "Scheduled campaigns whose start time has passed but which have not started.",
    registry=REGISTRY,
)


@refresh_before_scrape
async def refresh_gauges(runtime: StatusSources) -> None:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS), runtime.sessionmaker() as session:
            status = await system_status(runtime, session)
    except Exception as exc:  # the scrape still answers, saying the database does not
        _log.warning("system_status_unavailable", reason=type(exc).__name__)
        DEPENDENCY_UP.labels("database").set(0)
        return
    _set_gauges(status)


def _set_gauges(status: SystemStatus) -> None:
    # No await from here on: a scrape never sees half of one status and half of another.
    for dependency, state in (("database", status.database), ("redis", status.redis)):
        if state != "not configured":
            DEPENDENCY_UP.labels(dependency).set(1 if state == "ok" else 0)
    WORKERS_ALIVE.set(len(status.workers))
    WORKER_NUMBERS.clear()
    for worker in status.workers:
        WORKER_NUMBERS.labels(worker.worker_id).set(len(worker.numbers))
    QUEUE_JOBS.clear()
    for queue in status.queues or []:
        for state in ("ready", "delayed", "dead"):
            QUEUE_JOBS.labels(queue.queue, state).set(getattr(queue, state))
    NUMBERS.clear()
    for row in status.numbers:
        NUMBERS.labels(row.provider.value, row.status.value, str(row.suspended).lower()).set(
            row.count
        )
    DISPATCH_LAG.set(status.dispatch.lag_seconds)
    DISPATCH_LATE_NUMBERS.set(status.dispatch.late_numbers)
    OVERDUE_STARTS.set(status.dispatch.overdue_starts)
