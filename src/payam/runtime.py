"""What one process holds for its lifetime: settings, the database engine, Redis, the senders.

The FastAPI app keeps one ``Runtime`` on ``app.state.runtime``; the CLI and workers build their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from payam.config import Settings
from payam.db.engine import create_read_engine, engine_for
from payam.db.session import create_sessionmaker
from payam.kit.http import trusted_authorities
from payam.kit.rate_limit import RateLimiter
from payam.notify.email import EmailSender
from payam.notify.factory import build_email_sender, build_sms_sender
from payam.notify.sms import SmsSender
from payam.pubsub.hub import LiveHub, build_hub, session_info


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker[AsyncSession]
    # For requests that only read (``payam.dependencies.reads_only``): the engine itself, except
    # on SQLite, where readers have connections of their own (``create_read_engine``).
    read_engine: AsyncEngine
    read_sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    http_client: httpx.AsyncClient
    rate_limiter: RateLimiter
    sms_sender: SmsSender
    email_sender: EmailSender
    # Who hears each user's live events; started by ``start`` (the app's lifespan, a worker).
    hub: LiveHub

    @classmethod
    def create(cls, settings: Settings) -> Runtime:
        engine = engine_for(settings)
        read_engine = create_read_engine(engine)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        http_client = httpx.AsyncClient(
            timeout=settings.sms_timeout_seconds, verify=trusted_authorities()
        )
        hub = build_hub(redis, channel_prefix=settings.live_channel_prefix)
        return cls(
            settings=settings,
            engine=engine,
            sessionmaker=create_sessionmaker(engine, info=session_info(hub)),
            read_engine=read_engine,
            read_sessionmaker=create_sessionmaker(read_engine, info=session_info(hub)),
            redis=redis,
            http_client=http_client,
            rate_limiter=RateLimiter.create(settings.redis_url),
            sms_sender=build_sms_sender(settings, http_client=http_client),
            email_sender=build_email_sender(settings),
            hub=hub,
        )

    async def start(self) -> None:
        await self.hub.start()

    async def close(self) -> None:
        await self.hub.close()
        await self.http_client.aclose()
        if self.redis is not None:
            await self.redis.aclose()
        await self.engine.dispose()
        if self.read_engine is not self.engine:
            await self.read_engine.dispose()
