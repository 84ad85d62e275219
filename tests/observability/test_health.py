from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from ._support import StubRuntime, build_app

REDIS_URL = "redis://127.0.0.1:6379/15"
# Nothing listens on port 1: connections are refused at once.
CLOSED_REDIS_URL = "redis://127.0.0.1:1/0"
CLOSED_DATABASE_URL = "postgresql+asyncpg://payam:hunter2@127.0.0.1:1/payam"


@pytest.fixture
async def sqlite_engine(tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'ready.db'}")
    yield engine
    await engine.dispose()


@pytest.fixture
async def closed_engine() -> AsyncIterator[AsyncEngine]:
    engine = create_async_engine(CLOSED_DATABASE_URL)
    yield engine
    await engine.dispose()


@pytest.fixture
async def redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(REDIS_URL)
    yield client
    await client.aclose()


@pytest.fixture
async def closed_redis() -> AsyncIterator[Redis]:
    client = Redis.from_url(CLOSED_REDIS_URL)
    yield client
    await client.aclose()


def client_for(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://testserver")


async def test_healthz_touches_nothing(closed_engine: AsyncEngine) -> None:
    app, _ = build_app(StubRuntime(engine=closed_engine, redis=None))
    async with client_for(app) as client:
        response = await client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_everything_answers(sqlite_engine: AsyncEngine, redis: Redis) -> None:
    app, _ = build_app(StubRuntime(engine=sqlite_engine, redis=redis))
    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


async def test_readyz_without_redis(sqlite_engine: AsyncEngine) -> None:
    app, _ = build_app(StubRuntime(engine=sqlite_engine, redis=None))
    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 200
    assert response.json() == {
        "status": "ready",
        "checks": {"database": "ok", "redis": "not configured"},
    }


async def test_readyz_when_redis_is_unreachable(
    sqlite_engine: AsyncEngine, closed_redis: Redis
) -> None:
    app, _ = build_app(StubRuntime(engine=sqlite_engine, redis=closed_redis))
    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["redis"] == "error: ConnectionError"


async def test_readyz_when_the_database_is_unreachable(
    closed_engine: AsyncEngine, redis: Redis
) -> None:
    app, _ = build_app(StubRuntime(engine=closed_engine, redis=redis))
    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["redis"] == "ok"
    reason = body["checks"]["database"]
    assert reason.startswith("error: ")
    # Only the error's type: no address, user, password or traceback reaches the client.
    for leak in ("127.0.0.1", "payam", "hunter2", "Traceback", "\n"):
        assert leak not in response.text


async def test_readyz_gives_up_on_a_dependency_that_hangs(
    sqlite_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    from payam.observability import health

    class HangingRedis:
        async def ping(self) -> bool:
            await asyncio.sleep(60)
            return True

    monkeypatch.setattr(health, "READINESS_TIMEOUT_SECONDS", 0.1)
    app, _ = build_app(StubRuntime(engine=sqlite_engine, redis=HangingRedis()))  # type: ignore[arg-type]
    async with client_for(app) as client:
        response = await client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["checks"] == {
        "database": "ok",
        "redis": "error: no answer within 0.1s",
    }


async def test_metrics_endpoint_serves_the_text_format(sqlite_engine: AsyncEngine) -> None:
    app, _ = build_app(StubRuntime(engine=sqlite_engine, redis=None))
    async with client_for(app) as client:
        await client.get("/healthz")
        response = await client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert "# TYPE payam_http_requests_total counter" in response.text
    assert "# TYPE payam_http_request_duration_seconds histogram" in response.text
    assert "# TYPE payam_http_exceptions_total counter" in response.text
    assert 'route="/healthz"' in response.text


def test_only_metrics_is_left_out_of_the_schema() -> None:
    app, _ = build_app()
    paths = app.openapi()["paths"]

    assert "/healthz" in paths
    assert "/readyz" in paths
    assert "/metrics" not in paths
    assert "503" in paths["/readyz"]["get"]["responses"]
