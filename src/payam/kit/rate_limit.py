"""Request rate limits on the ``limits`` library: in memory when embedded, Redis when configured.

Besides limits on requests, a growing delay after repeated failures (wrong passwords), kept in the
same storage so that every API process sees it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter

from payam.kit.errors import TooManyRequests

# A day after the first failure the count starts over: a forgetful owner is not punished forever.
_FAILURES_KEPT_SECONDS = 24 * 3600


@dataclass(frozen=True, slots=True)
class GrowingDelay:
    """After ``threshold`` failures in a row, each further one makes the next try wait longer."""

    threshold: int
    base_seconds: int
    max_seconds: int

    def seconds_after(self, failures: int) -> int:
        excess = failures - self.threshold
        if excess < 0:
            return 0
        # Doubling with each failure past the threshold (a shift, so it stays an int).
        return min(self.base_seconds << min(excess, 20), self.max_seconds)


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

    async def allows(self, limit: str, *, scope: str, key: str) -> bool:
        """Count one attempt; False once ``limit`` is spent, for a caller that refuses quietly."""
        return await self.strategy.hit(parse(limit), scope, key)

    async def hit(self, limit: str, *, scope: str, key: str) -> None:
        """Count one attempt; refuse with 429 and Retry-After once ``limit`` is spent."""
        if await self.allows(limit, scope=scope, key=key):
            return
        item: RateLimitItem = parse(limit)
        stats = await self.strategy.get_window_stats(item, scope, key)
        raise TooManyRequests(
            "Too many attempts; try again later",
            retry_after_seconds=int(stats.reset_time - time.time()) + 1,
        )

    async def wait_out(self, *, scope: str, key: str) -> None:
        """Refuse with 429 and Retry-After while a delay earned by earlier failures lasts."""
        delayed = _delay_key(scope, key)
        if await self.storage.get(delayed):
            remaining = await self.storage.get_expiry(delayed) - time.time()
            raise TooManyRequests(
                "Too many failed attempts; try again later", retry_after_seconds=int(remaining) + 1
            )

    async def count_failure(self, delay: GrowingDelay, *, scope: str, key: str) -> int:
        """Count one failure; the seconds the next try must now wait (0: none, no lockout)."""
        failures = await self.storage.incr(_failures_key(scope, key), _FAILURES_KEPT_SECONDS)
        seconds = delay.seconds_after(failures)
        if seconds:
            await self.storage.incr(_delay_key(scope, key), seconds)
        return seconds

    async def forget_failures(self, *, scope: str, keys: Iterable[str]) -> None:
        for key in keys:
            await self.storage.clear(_failures_key(scope, key))
            await self.storage.clear(_delay_key(scope, key))

    async def reset(self) -> None:
        await self.storage.reset()


def _failures_key(scope: str, key: str) -> str:
    return f"failures/{scope}/{key}"


def _delay_key(scope: str, key: str) -> str:
    return f"delay/{scope}/{key}"
