"""Liveness, readiness and the Prometheus scrape endpoint.

``/healthz`` says the process answers and touches nothing, so a slow database never gets a
healthy process restarted. ``/readyz`` says whether the dependencies answer, so a load balancer
can stop sending traffic while they do not. Both read ``request.app.state.runtime``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Literal, Protocol

import structlog
from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.observability.metrics import metrics_response

__all__ = [
    "READINESS_TIMEOUT_SECONDS",
    "Health",
    "Readiness",
    "dependency_checks",
    "redis_check",
    "refresh_before_scrape",
    "router",
]

READINESS_TIMEOUT_SECONDS = 2.0

_log = structlog.stdlib.get_logger(__name__)

router = APIRouter()


class ProbeTargets(Protocol):
    """What readiness needs from ``app.state.runtime`` (``payam.runtime.Runtime`` has it)."""

    @property
    def engine(self) -> AsyncEngine: ...

    @property
    def redis(self) -> Redis | None: ...


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "unavailable"]
    checks: dict[str, str]


@router.get("/healthz", response_model=Health)
async def healthz() -> Health:
    return Health()


@router.get(
    "/readyz",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "A dependency does not answer"}},
)
async def readyz(request: Request) -> JSONResponse:
    checks = await dependency_checks(request.app.state.runtime)
    ready = all(result in ("ok", "not configured") for result in checks.values())
    body = Readiness(status="ready" if ready else "unavailable", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ready else 503)


async def dependency_checks(runtime: ProbeTargets) -> dict[str, str]:
    """Whether the database and Redis answer: "ok", "not configured" or "error: <type>"."""
    database, redis = await asyncio.gather(
        _check("database", _ping_database(runtime.engine)), redis_check(runtime)
    )
    return {"database": database, "redis": redis}


async def redis_check(runtime: ProbeTargets) -> str:
    """Whether Redis answers: "ok", "not configured" or "error: <type>"."""
    if runtime.redis is None:
        return "not configured"
    return await _check("redis", _ping_redis(runtime.redis))


ScrapeHook = Callable[[Any], Awaitable[None]]
_before_scrape: list[ScrapeHook] = []


def refresh_before_scrape(hook: ScrapeHook) -> ScrapeHook:
    """Have ``hook(runtime)`` bring its gauges up to date before each scrape of ``/metrics``:
    figures read from the database (a feature's) are then as fresh as the scrape."""
    _before_scrape.append(hook)
    return hook


@router.get("/metrics", include_in_schema=False)
async def metrics(request: Request) -> Response:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:  # an app without one (a test's) has only the request metrics
        for hook in _before_scrape:
            await hook(runtime)
    return metrics_response()


async def _ping_database(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _ping_redis(redis: Redis) -> None:
    await redis.ping()


async def _check(name: str, probe: Awaitable[Any]) -> str:
    try:
        async with asyncio.timeout(READINESS_TIMEOUT_SECONDS):
            await probe
    except TimeoutError:
        _log.warning("readiness_check_failed", check=name, reason="timeout")
        return f"error: no answer within {READINESS_TIMEOUT_SECONDS:g}s"
    except Exception as exc:
        reason = _short_reason(exc)
        # The full message stays in the server's log; the response, often public, gets the type.
        _log.warning("readiness_check_failed", check=name, reason=reason, detail=str(exc)[:500])
        return f"error: {reason}"
    return "ok"


def _short_reason(exc: BaseException) -> str:
    """The exception's type only: messages can carry host names, user names or DSNs."""
    # SQLAlchemy wraps the driver's exception; the driver's type is the informative one.
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return type(cause).__name__
