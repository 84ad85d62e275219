"""How many jobs wait in each queue, and how many died there, whichever broker carries them."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker

_DELAYED = ".DQ"


@dataclass(frozen=True, slots=True)
class QueueDepth:
    queue: str
    ready: int  # waiting for a worker
    delayed: int  # waiting for their time (retries' back-off, eta)
    dead: int  # failed every try, kept in the dead-letter queue


async def queue_depths(broker: Broker) -> list[QueueDepth]:
    """Each declared queue's depths, read from the broker (blocking clients in a thread)."""
    names = sorted(name for name in broker.get_declared_queues() if not name.endswith(_DELAYED))
    return await asyncio.to_thread(lambda: [_depth(broker, name) for name in names])


def _depth(broker: Broker, name: str) -> QueueDepth:
    if isinstance(broker, StubBroker):
        return QueueDepth(
            queue=name,
            ready=broker.queues[name].qsize(),
            delayed=broker.queues[name + _DELAYED].qsize()
            if name + _DELAYED in broker.queues
            else 0,
            dead=len(broker.dead_letters_by_queue[name]),
        )
    counts: Any = getattr(broker, "get_queue_message_counts", None)
    if counts is not None:  # RabbitMQ
        ready, delayed, dead = counts(name)
        return QueueDepth(queue=name, ready=ready, delayed=delayed, dead=dead)
    # Redis: a list of ids per queue (and per delayed queue), a sorted set of the dead.
    client: Any = broker.client  # type: ignore[attr-defined]
    prefix = f"{broker.namespace}:{name}"  # type: ignore[attr-defined]
    return QueueDepth(
        queue=name,
        ready=int(client.llen(prefix)),
        delayed=int(client.llen(prefix + _DELAYED)),
        dead=int(client.zcard(prefix + ".XQ")),
    )
