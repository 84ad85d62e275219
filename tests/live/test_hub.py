"""The hubs on their own: fan-out, slow listeners, threads, and Redis between two processes."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from payam.pubsub.hub import RESYNC, Event, InProcessHub, LiveHub, RedisHub
from tests.conftest import TEST_REDIS_URL
from tests.live.conftest import WAIT, requires_redis, unique_prefix


async def next_event(events: AsyncIterator[Event]) -> Event:
    async with asyncio.timeout(WAIT):
        return await anext(events)


@pytest.fixture(params=["in-process", pytest.param("redis", marks=requires_redis)])
async def hub(request: pytest.FixtureRequest) -> AsyncIterator[LiveHub]:
    """Each hub kind; the Redis one publishes and listens through Redis even in one process."""
    redis: Redis | None = None
    made: LiveHub
    if request.param == "redis":
        assert TEST_REDIS_URL
        redis = Redis.from_url(TEST_REDIS_URL)
        made = RedisHub(redis, channel_prefix=unique_prefix(), queue_size=4)
    else:
        made = InProcessHub(queue_size=4)
    await made.start()
    try:
        yield made
    finally:
        await made.close()
        if redis is not None:
            await redis.aclose()


async def test_events_reach_every_listener_of_their_user_only(hub: LiveHub) -> None:
    async with (
        hub.subscribe(1) as first,
        hub.subscribe(1) as second,
        hub.subscribe(2) as other,
    ):
        await hub.publish(2, {"type": "for", "user": 2})
        await hub.publish(1, {"type": "for", "user": 1, "n": 1})
        await hub.publish(1, {"type": "for", "user": 1, "n": 2})

        for listener in (first, second):
            assert await next_event(listener) == {"type": "for", "user": 1, "n": 1}
            assert await next_event(listener) == {"type": "for", "user": 1, "n": 2}
        assert await next_event(other) == {"type": "for", "user": 2}
        assert hub.listener_count(1) == 2
    assert hub.listener_count() == 0


async def test_a_listener_that_falls_behind_gets_a_resync_instead_of_a_backlog(
    hub: LiveHub,
) -> None:
    async with hub.subscribe(1) as stalled, hub.subscribe(1) as reading:
        async with asyncio.timeout(WAIT):
            for n in range(100):
                await hub.publish(1, {"type": "marker", "n": n})
                # The reading listener gets each one, while the other reads nothing at all.
                assert await anext(reading) == {"type": "marker", "n": n}

        # Four fit (queue_size=4); the fifth replaced the four with a resync, and so on: what
        # is left is the last resync and the events after it, never more than four.
        left = [await next_event(stalled) for _ in range(4)]
        assert left == [{"type": RESYNC}, *({"type": "marker", "n": n} for n in (97, 98, 99))]


async def test_events_are_plain_json_the_same_way_in_and_across_processes(
    hub: LiveHub,
) -> None:
    event = {"type": "marker", "ids": (1, 2), "nested": {"a": [1]}}
    async with hub.subscribe(1) as events:
        with pytest.raises(TypeError):
            await hub.publish(1, {"type": "marker", "at": datetime.now(UTC)})
        await hub.publish(1, event)
        received = await next_event(events)
        event["nested"]["a"].append(2)  # type: ignore[index]

    # A tuple arrives as a list, and the publisher's later changes do not reach the listener.
    assert received == {"type": "marker", "ids": [1, 2], "nested": {"a": [1]}}


async def test_closing_the_hub_ends_every_subscription(hub: LiveHub) -> None:
    async with hub.subscribe(1) as events:
        await hub.close()
        with pytest.raises(StopAsyncIteration):
            await next_event(events)
        # And it stays ended.
        with pytest.raises(StopAsyncIteration):
            await next_event(events)


async def test_an_in_process_hub_takes_events_from_other_threads() -> None:
    hub = InProcessHub()
    async with hub.subscribe(1) as events:
        # A publisher on its own event loop in another thread, as a provider callback may be.
        await asyncio.to_thread(asyncio.run, hub.publish(1, {"type": "from-thread"}))
        assert await next_event(events) == {"type": "from-thread"}
    await hub.close()
    with pytest.raises(RuntimeError):
        async with hub.subscribe(1):
            pass


# --- Redis: two processes ------------------------------------------------------------------


@pytest.fixture
async def two_processes() -> AsyncIterator[tuple[RedisHub, RedisHub, str]]:
    """Two hubs, each with its own Redis client, as two API processes have; and B's client name."""
    assert TEST_REDIS_URL
    prefix = unique_prefix()
    name = f"payam-live-test-{prefix.split(':')[1]}"
    redis_a = Redis.from_url(TEST_REDIS_URL)
    redis_b = Redis.from_url(TEST_REDIS_URL, client_name=name)
    hub_a = RedisHub(redis_a, channel_prefix=prefix)
    hub_b = RedisHub(redis_b, channel_prefix=prefix, backoff_seconds=(0.01, 0.1))
    await hub_a.start()
    await hub_b.start()
    try:
        yield hub_a, hub_b, name
    finally:
        await hub_a.close()
        await hub_b.close()
        await redis_a.aclose()
        await redis_b.aclose()


@requires_redis
async def test_an_event_published_in_one_process_reaches_listeners_in_another(
    two_processes: tuple[RedisHub, RedisHub, str],
) -> None:
    hub_a, hub_b, _ = two_processes
    assert hub_a.subscriptions_confirmed == hub_b.subscriptions_confirmed == 1

    async with hub_b.subscribe(7) as in_b, hub_a.subscribe(7) as in_a, hub_b.subscribe(8) as other:
        await hub_a.publish(7, {"type": "marker", "n": 1})
        await hub_a.publish(8, {"type": "marker", "for": 8})

        assert await next_event(in_b) == {"type": "marker", "n": 1}
        assert await next_event(in_a) == {"type": "marker", "n": 1}
        # User 7's event was published first: had it leaked, user 8 would see it first.
        assert await next_event(other) == {"type": "marker", "for": 8}


@requires_redis
async def test_a_dropped_redis_connection_comes_back_with_a_resync(
    two_processes: tuple[RedisHub, RedisHub, str],
    listener_redis: Redis,
) -> None:
    hub_a, hub_b, name = two_processes
    async with hub_b.subscribe(7) as events:
        # Kill B's subscription connection (only that one: the publishing ones stay).
        clients = await listener_redis.client_list()
        subscribed = [c for c in clients if c.get("name") == name and int(c.get("psub", 0)) > 0]
        assert len(subscribed) == 1
        await listener_redis.client_kill_filter(_id=subscribed[0]["id"])

        # Whatever was published meanwhile is lost to pub/sub; the listener is told to re-read.
        assert await next_event(events) == {"type": RESYNC}
        assert hub_b.subscriptions_confirmed >= 2
        await hub_a.publish(7, {"type": "marker", "after": "reconnect"})
        assert await next_event(events) == {"type": "marker", "after": "reconnect"}


async def test_without_redis_publishing_fails_quietly_and_start_does_not_hang() -> None:
    # Nothing listens on port 1: every connection is refused at once.
    unreachable = Redis.from_url("redis://127.0.0.1:1/0")
    hub = RedisHub(unreachable, channel_prefix=unique_prefix(), backoff_seconds=(0.01, 0.05))
    try:
        await hub.start(wait_seconds=0.2)
        await hub.publish(1, {"type": "marker"})
        assert hub.subscriptions_confirmed == 0
    finally:
        await hub.close()
        await unreachable.aclose()
