from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator

import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, CurrentMessage
from sqlalchemy import text

from payam.config import Settings
from payam.jobs import (
    configure_jobs,
    current_attempt,
    embedded_worker,
    job,
    job_runtime,
)
from payam.jobs.broker import build_broker

# What the jobs below saw, keyed by a token each test chooses: (attempt, is_last, thread name).
seen: dict[str, list[tuple[int, bool, str]]] = {}
arrived = threading.Condition()


def record(token: str, entry: tuple[int, bool, str]) -> None:
    with arrived:
        seen.setdefault(token, []).append(entry)
        arrived.notify_all()


def wait_for(
    token: str, count: int, *, within_seconds: float = 20.0
) -> list[tuple[int, bool, str]]:
    deadline = time.monotonic() + within_seconds
    with arrived:
        while len(seen.get(token, [])) < count:
            left = deadline - time.monotonic()
            assert left > 0, f"{token}: only {seen.get(token)}"
            arrived.wait(left)
        return list(seen[token])


@job(name="tests.jobs.flaky", max_retries=2, min_backoff_ms=10)
async def flaky(token: str, failures: int) -> None:
    attempt = current_attempt()
    await asyncio.sleep(0)  # a real coroutine, on the worker's event loop
    record(token, (attempt.retries, attempt.is_last, threading.current_thread().name))
    if attempt.retries < failures:
        raise RuntimeError("not yet")


@job(name="tests.jobs.query")
async def query(token: str) -> None:
    async with job_runtime().sessionmaker() as session:
        answer = await session.scalar(text("SELECT 41 + 1"))
    record(token, (int(answer or 0), False, threading.current_thread().name))


@pytest.fixture
def worker(settings: Settings) -> Iterator[None]:
    with embedded_worker(settings):
        yield


@pytest.mark.usefixtures("worker")
def test_an_async_job_runs_in_the_embedded_worker_and_is_retried_until_it_succeeds() -> None:
    flaky.send("retried", 1)

    runs = wait_for("retried", 2)

    assert [(retries, last) for retries, last, _ in runs] == [(0, False), (1, False)]
    # Async jobs run on the AsyncIO middleware's loop thread, not on the test's thread.
    assert all(name != threading.current_thread().name for _, _, name in runs)


@pytest.mark.usefixtures("worker")
def test_a_job_knows_its_last_attempt() -> None:
    flaky.send("exhausted", 99)

    runs = wait_for("exhausted", 3)

    assert [(retries, last) for retries, last, _ in runs] == [(0, False), (1, False), (2, True)]


@pytest.mark.usefixtures("worker")
def test_jobs_reach_the_database_through_their_own_runtime() -> None:
    query.send("query")

    assert wait_for("query", 1)[0][0] == 42


async def test_a_job_called_directly_runs_once_as_its_last_attempt() -> None:
    await flaky("direct", 0)

    assert [(retries, last) for retries, last, _ in seen["direct"]] == [(0, True)]


def test_configure_jobs_is_idempotent_and_follows_the_broker_url(settings: Settings) -> None:
    first = configure_jobs(settings)
    again = configure_jobs(settings.model_copy())
    redis = configure_jobs(settings.model_copy(update={"broker_url": "redis://127.0.0.1:1/0"}))
    try:
        assert again is first
        assert isinstance(first, StubBroker)
        assert isinstance(redis, RedisBroker)
        assert {"contacts.import", "tests.jobs.flaky"} <= set(redis.actors)
    finally:
        configure_jobs(settings)


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (None, StubBroker),
        ("", StubBroker),
        ("redis://127.0.0.1:6379/3", RedisBroker),
        ("amqp://guest:guest@127.0.0.1:5672/", RabbitmqBroker),
    ],
)
def test_the_broker_is_chosen_by_its_url_and_can_run_async_jobs(
    url: str | None, kind: type
) -> None:
    broker = build_broker(Settings(_env_file=None, broker_url=url))

    assert isinstance(broker, kind)
    kinds = {type(middleware) for middleware in broker.middleware}
    assert {AsyncIO, CurrentMessage} <= kinds


def test_an_unknown_broker_url_is_refused() -> None:
    with pytest.raises(ValueError, match="PAYAM_BROKER_URL"):
        build_broker(Settings(_env_file=None, broker_url="http://127.0.0.1/"))
