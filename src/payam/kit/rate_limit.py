"""Request rate limits on the ``limits`` library: in memory when embedded, Redis when configured."""

from __future__ import annotations

import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from payam.kit.errors import TooManyRequests


@dataclass
class RateLimiter:
    storage: Storage
    strategy: MovingWindowRateLimiter

    @classmethod
    def create(cls, redis_url: str | None) -> RateLimiter:
        storage: Storage
        if redis_url:
            # Counters shared by every API process, so a limit holds behind a load balancer.
            storage = RedisStorage(
                "async+" + redis_url, implementation="redispy", key_prefix="payam-limits"
            )
        else:
            storage = MemoryStorage()
        return cls(storage=storage, strategy=MovingWindowRateLimiter(storage))

    async def hit(self, limit: str, *, scope: str, key: str) -> None:
        """Count one attempt; refuse with 429 and Retry-After once ``limit`` is spent."""
        item: RateLimitItem = parse(limit)
        if await self.strategy.hit(item, scope, key):
            return
        stats = await self.strategy.get_window_stats(item, scope, key)
        raise TooManyRequests(
            "Too many attempts; try again later",
            retry_after_seconds=int(stats.reset_time - time.time()) + 1,
        )

    async def reset(self) -> None:
        await self.storage.reset()
