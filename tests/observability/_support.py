"""Pieces shared by the observability tests: a tiny app, a runtime stand-in, a log reader."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import structlog
from fastapi import APIRouter, BackgroundTasks, FastAPI, Request
from fastapi.responses import StreamingResponse
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from payam.observability.health import router as health_router
from payam.observability.middleware import RequestContextMiddleware

BACKGROUND_SECONDS = 0.3


@dataclass
class StubRuntime:
    engine: AsyncEngine
    redis: Redis | None


class BackgroundProbe:
    """What a background task saw, so a test can check it ran inside the request's context."""

    def __init__(self) -> None:
        self.request_id: object = None


def build_app(runtime: StubRuntime | None = None) -> tuple[FastAPI, BackgroundProbe]:
    app = FastAPI()
    probe = BackgroundProbe()

    users = APIRouter(prefix="/users")

    @users.get("/{user_id}")
    async def get_user(user_id: int, request: Request) -> dict[str, Any]:
        return {"user_id": user_id, "request_id": request.state.request_id}

    api = APIRouter(prefix="/api/v1")
    api.include_router(users)
    app.include_router(api)
    app.include_router(health_router)

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("the handler failed")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Any:
            for index in range(3):
                yield f"chunk{index}\n".encode()

        return StreamingResponse(chunks(), media_type="text/plain")

    @app.get("/background")
    async def background(tasks: BackgroundTasks) -> dict[str, str]:
        async def remember() -> None:
            await asyncio.sleep(BACKGROUND_SECONDS)
            probe.request_id = structlog.contextvars.get_contextvars().get("request_id")

        tasks.add_task(remember)
        return {"status": "queued"}

    sub = FastAPI()

    @sub.get("/things/{thing}")
    async def thing(thing: str) -> dict[str, str]:
        return {"thing": thing}

    app.mount("/sub", sub)

    if runtime is not None:
        app.state.runtime = runtime
    app.add_middleware(RequestContextMiddleware)
    return app, probe


def json_lines(output: str) -> list[dict[str, Any]]:
    """Every stdout line parsed; fails the test if one is not a JSON object."""
    records = []
    for line in output.splitlines():
        if line.strip():
            record = json.loads(line)
            assert isinstance(record, dict), line
            records.append(record)
    return records


_TOUCHED_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "sqlalchemy.engine.Engine")


@contextmanager
def preserved_logging() -> Iterator[None]:
    """Undo configure_logging() so other tests' logging is not changed by these."""
    root = logging.getLogger()
    saved_root = (list(root.handlers), root.level)
    saved = {
        name: (list(lg.handlers), lg.level, lg.propagate)
        for name in _TOUCHED_LOGGERS
        for lg in [logging.getLogger(name)]
    }
    try:
        yield
    finally:
        structlog.reset_defaults()
        root.handlers[:] = saved_root[0]
        root.setLevel(saved_root[1])
        for name, (handlers, level, propagate) in saved.items():
            lg = logging.getLogger(name)
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
