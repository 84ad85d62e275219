"""Who listens to which user's events: in this process, or across processes through Redis pub/sub.

A hub carries small JSON dicts from whoever changes a campaign (the API, the dispatcher, a
worker) to the WebSocket connections of that campaign's owner. It is a notification channel,
not a log: the database holds the truth, and a listener that may have missed something is told
to re-read it (a ``resync`` event) instead of being fed a backlog.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
import threading
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, suppress
from typing import Any, Protocol, Self

import structlog
from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession

from payam.db.session import run_after_commit

__all__ = [
    "ACCESS_CHANGED",
    "DEFAULT_CHANNEL_PREFIX",
    "DEFAULT_QUEUE_SIZE",
    "RESYNC",
    "Event",
    "InProcessHub",
    "LiveHub",
    "RedisHub",
    "SharedEvent",
    "Subscription",
    "build_hub",
    "event_text",
    "hub_of",
    "publish_after_commit",
    "session_info",
    "tell_access_changed_after_commit",
]

logger = structlog.get_logger(__name__)

Event = dict[str, Any]


class SharedEvent(dict[str, Any]):
    """An event as a hub hands it to its listeners: one object for all the listeners of a user,
    who only read it, so that its text for the wire is made once, not once per socket."""

    @functools.cached_property
    def text(self) -> str:
        return _compact_json(self)


def event_text(event: Event) -> str:
    """``event`` as compact JSON, as a socket sends it (a shared event's text is made once)."""
    return event.text if isinstance(event, SharedEvent) else _compact_json(event)


def _compact_json(event: Event) -> str:
    return json.dumps(event, separators=(",", ":"), ensure_ascii=False)


# The type of the event a hub hands a listener in place of events it could not deliver.
RESYNC = "resync"
DEFAULT_CHANNEL_PREFIX = "payam:live:"
# A user's sessions ended or the account stopped being usable: their sockets check at once.
ACCESS_CHANGED = "access.changed"
_HUB_KEY = "payam.hub"
# Per listener. A connection that falls this far behind is resynchronised, not buffered further.
DEFAULT_QUEUE_SIZE = 256


class LiveHub(Protocol):
    """Fan-out of per-user events. ``publish`` never blocks on a slow listener."""

    async def start(self) -> None: ...

    async def close(self) -> None:
        """Stop delivering; every open subscription's iterator ends."""

    async def publish(self, user_id: int, event: Event) -> None:
        """Hand ``event`` to every current listener of ``user_id``, in this or other processes."""

    def listener_count(self, user_id: int | None = None) -> int:
        """Listeners in this process: of ``user_id``, or of everyone."""

    def subscribe(self, user_id: int) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        """Listen to ``user_id``'s events from now on, for as long as the block lasts.

        Everything published after ``__aenter__`` returns is seen, in publish order per publisher,
        or replaced by one ``{"type": "resync"}`` when it could not be delivered (the listener was
        too slow, or the link between processes dropped): the listener should then re-read the
        state it shows from the database.
        """


def _resync_event() -> Event:
    return {"type": RESYNC}


class Subscription:
    """One listener's bounded queue; iterate it for events until the hub closes."""

    def __init__(self, user_id: int, *, queue_size: int) -> None:
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.user_id = user_id
        self.overflows = 0
        self._loop = asyncio.get_running_loop()
        # None in the queue means "the hub closed".
        self._queue: asyncio.Queue[Event | None] = asyncio.Queue(queue_size)
        self._closed = False

    def deliver(self, event: Event | None) -> None:
        """Queue ``event`` from any thread; ``None`` ends the iteration."""
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self._loop:
            self._offer(event)
        else:
            # asyncio queues are not thread-safe: a publisher on another loop hands over.
            self._loop.call_soon_threadsafe(self._offer, event)

    def _offer(self, event: Event | None) -> None:
        if self._closed:
            return
        if event is None:
            self._closed = True
        try:
            self._queue.put_nowait(event)
            return
        except asyncio.QueueFull:
            pass
        # Coalesce instead of blocking the publisher or dropping the connection: the backlog (and
        # this event) is thrown away and replaced by one resync, which the listener answers by
        # re-reading the current state. That state already includes every discarded event, since
        # each was published after its commit. A stuck socket is the connection's business (its
        # send timeout), not the hub's; here memory stays bounded either way.
        self.overflows += 1
        while not self._queue.empty():
            self._queue.get_nowait()
        self._queue.put_nowait(None if event is None else _resync_event())

    def __aiter__(self) -> Self:
        return self

    async def __anext__(self) -> Event:
        event = await self._queue.get()
        if event is None:
            # Stay ended for whoever asks again.
            self._queue.put_nowait(None)
            raise StopAsyncIteration
        return event


def _json_copy(event: Event) -> Event:
    """What a listener in another process would get: rejects what JSON cannot carry, the same
    way embedded and scaled, and detaches the listeners' copy from the publisher's dict."""
    copied = json.loads(json.dumps(event))
    if not isinstance(copied, dict):
        raise TypeError("an event is a JSON object")
    return SharedEvent(copied)


class InProcessHub:
    """Listeners of this process only: the embedded mode's hub, and RedisHub's local fan-out."""

    def __init__(self, *, queue_size: int = DEFAULT_QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        # Publishers may run on other threads (provider callbacks), so the registry is locked.
        self._lock = threading.Lock()
        self._subscriptions: dict[int, set[Subscription]] = {}
        self._closed = False

    async def start(self) -> None:
        return None

    async def close(self) -> None:
        with self._lock:
            self._closed = True
            every = [sub for subs in self._subscriptions.values() for sub in subs]
            self._subscriptions.clear()
        for subscription in every:
            subscription.deliver(None)

    async def publish(self, user_id: int, event: Event) -> None:
        self.deliver(user_id, _json_copy(event))

    def deliver(self, user_id: int, event: Event) -> None:
        """Queue an already-copied ``event`` for ``user_id``'s listeners here; never blocks."""
        with self._lock:
            listeners = tuple(self._subscriptions.get(user_id, ()))
        for subscription in listeners:
            subscription.deliver(event)

    def deliver_to_all(self, event: Event) -> None:
        with self._lock:
            every = [sub for subs in self._subscriptions.values() for sub in subs]
        for subscription in every:
            subscription.deliver(event)

    def listener_count(self, user_id: int | None = None) -> int:
        with self._lock:
            if user_id is not None:
                return len(self._subscriptions.get(user_id, ()))
            return sum(len(subs) for subs in self._subscriptions.values())

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[AsyncIterator[Event]]:
        subscription = Subscription(user_id, queue_size=self.queue_size)
        with self._lock:
            if self._closed:
                raise RuntimeError("the live hub is closed")
            self._subscriptions.setdefault(user_id, set()).add(subscription)
        try:
            yield subscription
        finally:
            with self._lock:
                listeners = self._subscriptions.get(user_id)
                if listeners is not None:
                    listeners.discard(subscription)
                    if not listeners:
                        del self._subscriptions[user_id]


class RedisHub:
    """Several processes: ``PUBLISH <prefix><user_id>``, and one pattern subscription per process.

    Every process receives every user's events and fans them out to its own listeners; a
    process with no listener for a user drops that user's events. Whenever the subscription is
    (re)established, every local listener gets a resync: events published while it was down are
    lost for good in Redis pub/sub, so the listeners re-read the database instead.
    """

    def __init__(
        self,
        redis: Redis,
        *,
        channel_prefix: str = DEFAULT_CHANNEL_PREFIX,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        publish_timeout: float = 2.0,
        keepalive_seconds: float = 15.0,
        backoff_seconds: tuple[float, float] = (0.1, 5.0),
    ) -> None:
        self._redis = redis
        self.channel_prefix = channel_prefix
        self._local = InProcessHub(queue_size=queue_size)
        self._publish_timeout = publish_timeout
        self._keepalive = keepalive_seconds
        self._backoff_first, self._backoff_max = backoff_seconds
        self._listener: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()
        # How many times the pattern subscription was confirmed: 1 after start, more after drops.
        self.subscriptions_confirmed = 0

    def channel(self, user_id: int) -> str:
        return f"{self.channel_prefix}{user_id}"

    async def start(self, *, wait_seconds: float = 5.0) -> None:
        """Start listening; waits (a bounded time) until the subscription is in place."""
        if self._listener is None:
            self._listener = asyncio.create_task(self._listen(), name="payam-live-redis")
        try:
            async with asyncio.timeout(wait_seconds):
                await self._subscribed.wait()
        except TimeoutError:
            # Not fatal: the listener keeps retrying, and its first success resyncs everyone.
            logger.warning("live_redis_not_subscribed_yet", wait_seconds=wait_seconds)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            with suppress(asyncio.CancelledError):
                await self._listener
            self._listener = None
        self._subscribed.clear()
        await self._local.close()

    async def publish(self, user_id: int, event: Event) -> None:
        payload = json.dumps(event, separators=(",", ":"))
        try:
            async with asyncio.timeout(self._publish_timeout):
                await self._redis.publish(self.channel(user_id), payload)
        except (RedisError, OSError, TimeoutError) as exc:
            # Best effort on purpose: the change is committed, and a client that missed its
            # event still sees it in the snapshot of its next connection. Failing here would
            # fail the dispatcher's work over a notification.
            logger.warning(
                "live_publish_failed", user_id=user_id, error=type(exc).__name__, detail=str(exc)
            )

    def subscribe(self, user_id: int) -> AbstractAsyncContextManager[AsyncIterator[Event]]:
        return self._local.subscribe(user_id)

    def listener_count(self, user_id: int | None = None) -> int:
        return self._local.listener_count(user_id)

    async def _listen(self) -> None:
        delay = self._backoff_first
        while True:
            confirmed_before = self.subscriptions_confirmed
            try:
                await self._listen_once()
            except Exception as exc:
                self._subscribed.clear()
                if self.subscriptions_confirmed > confirmed_before:
                    # It worked for a while: a new outage starts again from a short wait.
                    delay = self._backoff_first
                logger.warning(
                    "live_redis_subscription_lost",
                    error=type(exc).__name__,
                    detail=str(exc),
                    retry_in=round(delay, 3),
                )
            # Jitter, so that many API processes do not reconnect in lockstep.
            await asyncio.sleep(delay * random.uniform(0.5, 1.0))  # noqa: S311 - not crypto
            delay = min(delay * 2, self._backoff_max)

    async def _listen_once(self) -> None:
        pubsub = self._redis.pubsub()
        try:
            await pubsub.psubscribe(f"{self.channel_prefix}*")
            loop = asyncio.get_running_loop()
            last_heard = loop.time()
            while True:
                message = await pubsub.get_message(timeout=self._keepalive)
                now = loop.time()
                if message is None:
                    # A silently dead connection (no RST) would otherwise be waited on forever:
                    # ping after one quiet period, give up after the second.
                    if now - last_heard >= 2 * self._keepalive:
                        raise ConnectionError("Redis did not answer a ping")
                    await pubsub.ping()
                    continue
                last_heard = now
                self._handle(message)
        finally:
            await pubsub.aclose()  # type: ignore[no-untyped-call]

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "psubscribe":
            # Also seen when redis-py reconnected and resubscribed on its own: in both cases
            # events may have been lost in between, and only a re-read can tell what changed.
            self.subscriptions_confirmed += 1
            self._subscribed.set()
            self._local.deliver_to_all(_resync_event())
        elif kind == "pmessage":
            self._dispatch(message.get("channel"), message.get("data"))

    def _dispatch(self, channel: object, data: object) -> None:
        if isinstance(channel, bytes):
            channel = channel.decode("utf-8", "replace")
        suffix = str(channel).removeprefix(self.channel_prefix)
        try:
            user_id = int(suffix)
            event = json.loads(data) if isinstance(data, str | bytes) else None
        except ValueError:
            event = None
        if not isinstance(event, dict):
            logger.warning("live_redis_bad_message", channel=str(channel))
            return
        self._local.deliver(user_id, SharedEvent(event))


def build_hub(redis: Redis | None, *, channel_prefix: str = DEFAULT_CHANNEL_PREFIX) -> LiveHub:
    """Redis pub/sub when this deployment has Redis (several processes), else in-process."""
    if redis is not None:
        return RedisHub(redis, channel_prefix=channel_prefix)
    return InProcessHub()


def publish_after_commit(session: AsyncSession, hub: LiveHub, user_id: int, event: Event) -> None:
    """Publish ``event`` to ``user_id`` once ``session`` commits; never if it rolls back.

    Only works inside ``payam.db.session.transaction`` (the request's session is one), which is
    what runs the after-commit jobs.
    """

    async def publish() -> None:
        await hub.publish(user_id, event)

    run_after_commit(session, publish)


def session_info(hub: LiveHub) -> dict[str, Any]:
    """What a sessionmaker gives each session so that it can publish without being handed the
    hub: ``Runtime`` builds its sessionmaker with this."""
    return {_HUB_KEY: hub}


def hub_of(session: AsyncSession) -> LiveHub:
    """The hub of the runtime that made ``session`` (see ``session_info``)."""
    hub: LiveHub = session.info[_HUB_KEY]
    return hub


def tell_access_changed_after_commit(session: AsyncSession, user_id: int) -> None:
    """Once ``session`` commits, make ``user_id``'s open sockets re-check their session and
    account now rather than at their next periodic check."""
    publish_after_commit(session, hub_of(session), user_id, {"type": ACCESS_CHANGED})
