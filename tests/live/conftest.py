"""A real uvicorn server on loopback, in the test's event loop, and real WebSocket clients."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from redis.asyncio import Redis
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from payam.app import create_app
from payam.db.session import transaction
from payam.live.router import LiveOptions
from payam.models import Campaign, CampaignStatus
from payam.pubsub.hub import Event, LiveHub
from payam.runtime import Runtime
from tests.conftest import TEST_REDIS_URL
from tests.support import served, signed_up

# The Origin of the app's own pages: the test settings' public_url.
APP_ORIGIN = "https://testserver"
# Generous for a loaded machine; the tests that wait for a timeout set their own, shorter one.
TEST_OPTIONS = LiveOptions(auth_timeout_seconds=10.0, recheck_seconds=60.0)
WAIT = 15.0

requires_redis = pytest.mark.skipif(not TEST_REDIS_URL, reason="PAYAM_TEST_REDIS_URL is not set")


def unique_prefix() -> str:
    """A channel prefix of this test's own: pub/sub ignores the database number, so test runs
    sharing one Redis would otherwise hear each other."""
    return f"payam:test-live:{uuid.uuid4().hex}:"


class HookedHub:
    """Another hub, watched: what happens as a connection subscribes, and when it leaves."""

    def __init__(
        self, inner: LiveHub, *, before_subscribe: Callable[[], Awaitable[None]] | None = None
    ) -> None:
        self.inner = inner
        self.before_subscribe = before_subscribe
        # The user of each subscription that ended, in order.
        self.ended: asyncio.Queue[int] = asyncio.Queue()

    async def start(self) -> None:
        await self.inner.start()

    async def close(self) -> None:
        await self.inner.close()

    async def publish(self, user_id: int, event: Event) -> None:
        await self.inner.publish(user_id, event)

    def listener_count(self, user_id: int | None = None) -> int:
        return self.inner.listener_count(user_id)

    @asynccontextmanager
    async def subscribe(self, user_id: int) -> AsyncIterator[AsyncIterator[Event]]:
        if self.before_subscribe is not None:
            await self.before_subscribe()
        try:
            async with self.inner.subscribe(user_id) as events:
                yield events
        finally:
            self.ended.put_nowait(user_id)


@dataclass
class LiveServer:
    app: FastAPI
    runtime: Runtime
    base_url: str
    ws_url: str

    @property
    def hub(self) -> LiveHub:
        """The hub the server's sockets listen on: the runtime's, or one a test put there."""
        return self.runtime.hub

    @hub.setter
    def hub(self, hub: LiveHub) -> None:
        self.runtime.hub = hub

    def set_options(self, **changes: Any) -> None:
        """Read by each new connection: set them before connecting."""
        self.app.state.live_options = replace(TEST_OPTIONS, **changes)

    def http(self) -> httpx.AsyncClient:
        # trust_env=False: a proxy from the environment must not sit between us and loopback.
        return httpx.AsyncClient(base_url=self.base_url, trust_env=False, timeout=WAIT)

    async def connect(
        self, *, token: str | None = None, headers: dict[str, str] | None = None
    ) -> ClientConnection:
        """A WebSocket; with ``token``, authenticated by the first message."""
        websocket = await connect(
            self.ws_url, additional_headers=headers, proxy=None, open_timeout=WAIT
        )
        if token is not None:
            await websocket.send(json.dumps({"type": "auth", "token": token}))
        return websocket


@pytest.fixture
async def live_server(runtime: Runtime) -> AsyncIterator[LiveServer]:
    app = create_app(runtime=runtime)
    app.state.live_options = TEST_OPTIONS
    async with served(app) as address:
        yield LiveServer(app, runtime, f"http://{address}", f"ws://{address}/api/v1/ws")


@pytest.fixture
async def listener_redis() -> AsyncIterator[Redis]:
    """A second Redis client, as another process would have."""
    assert TEST_REDIS_URL
    client = Redis.from_url(TEST_REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


async def user_with_token(server: LiveServer, **fields: str) -> tuple[int, str]:
    """Register and sign in over HTTP; the user's id and an access token."""
    async with server.http() as client:
        user, tokens = await signed_up(client, **fields)
    return int(user["id"]), str(tokens["access_token"])


SECOND_USER = {
    "name": "Omid Karimi",
    "username": "omid",
    "email": "omid@example.com",
    "phone": "09129876543",
}


async def add_campaign(runtime: Runtime, user_id: int, **fields: Any) -> Campaign:
    values: dict[str, Any] = {
        "message": "Salam {{name}}",
        "status": CampaignStatus.DRAFT,
        "status_reason": None,
        "started_at": None,
        "completed_at": None,
        **fields,
    }
    async with transaction(runtime.sessionmaker) as session:
        campaign = Campaign(user_id=user_id, **values)
        session.add(campaign)
        await session.flush()
    return campaign


async def receive(websocket: ClientConnection, *, skip_pings: bool = True) -> dict[str, Any]:
    async with asyncio.timeout(WAIT):
        while True:
            message: dict[str, Any] = json.loads(await websocket.recv())
            if not (skip_pings and message.get("type") == "ping"):
                return message


async def close_of(websocket: ClientConnection) -> tuple[int | None, str | None]:
    """Read until the server closes; its close code and reason."""
    async with asyncio.timeout(WAIT):
        try:
            while True:
                await websocket.recv()
        except ConnectionClosed:
            pass
    return websocket.close_code, websocket.close_reason
