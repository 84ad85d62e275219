"""The Dramatiq broker, chosen by ``PAYAM_BROKER_URL``.

- unset or empty: a ``StubBroker``, whose queues live in this process's memory. Only an embedded
  worker in the same process can consume them, and they are lost when the process stops (the
  ``on_worker_start`` recovery jobs pick up what was left unfinished).
- ``redis://``, ``rediss://`` or ``unix://``: ``RedisBroker``.
- ``amqp://`` or ``amqps://``: ``RabbitmqBroker``.

Every broker gets the ``AsyncIO`` middleware, which runs one event loop thread per worker for the
``async def`` jobs, and ``CurrentMessage``, through which a job learns its retry count.
"""

from __future__ import annotations

from dramatiq import Broker
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, CurrentMessage

from payam.config import Settings

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
AMQP_SCHEMES = ("amqp://", "amqps://")


def is_embedded_broker(broker_url: str | None) -> bool:
    return not broker_url


def build_broker(settings: Settings) -> Broker:
    url = settings.broker_url
    broker: Broker
    if is_embedded_broker(url):
        broker = StubBroker()
    elif url is not None and url.startswith(REDIS_SCHEMES):
        # Imported here: the embedded mode should not need the Redis client to be importable.
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url)  # type: ignore[no-untyped-call]
    elif url is not None and url.startswith(AMQP_SCHEMES):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(
            "PAYAM_BROKER_URL must start with redis://, rediss://, unix:// or amqp://, "
            "or be empty for the in-process broker"
        )
    broker.add_middleware(AsyncIO())
    broker.add_middleware(CurrentMessage())
    return broker
