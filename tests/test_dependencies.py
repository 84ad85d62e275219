"""The request's session: read-only routes read beside a write in flight (decision 8)."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import update

from payam.config import Settings
from payam.db.session import transaction
from payam.models import User
from payam.runtime import Runtime
from tests.support import signed_in_headers


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # A request that waited for the writer's one SQLite connection fails in seconds, not 60.
    return settings.model_copy(update={"database_pool_timeout_seconds": 3})


async def test_a_read_only_route_answers_while_a_write_is_in_flight(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    if not runtime.settings.database_url.startswith("sqlite"):
        # Elsewhere every transaction reads beside a write in flight, whichever engine it is on:
        # the test would pass without the read-only route's own engine.
        pytest.skip("SQLite only: one write connection, which a read would otherwise wait for")
    headers = await signed_in_headers(client, name="Sara")
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(update(User).values(name="Not yet"))
        me = await client.get("/api/v1/users/me", headers=headers)
        assert me.status_code == 200, me.text
        # What was committed when the request began, never the write in flight.
        assert me.json()["name"] == "Sara"
    me = await client.get("/api/v1/users/me", headers=headers)
    assert me.json()["name"] == "Not yet"


async def test_a_route_that_writes_still_writes(client: httpx.AsyncClient) -> None:
    headers = await signed_in_headers(client, name="Sara")
    changed = await client.patch("/api/v1/users/me", headers=headers, json={"name": "Sara M"})
    assert changed.status_code == 200, changed.text
    assert (await client.get("/api/v1/users/me", headers=headers)).json()["name"] == "Sara M"
