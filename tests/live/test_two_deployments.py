"""Two deployments on one Redis: each hears only its own live events (PAYAM_LIVE_CHANNEL_PREFIX)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager

from payam.app import create_app
from payam.config import Settings
from payam.db.session import transaction
from payam.live.events import CAMPAIGN_PROGRESS, publish_campaign_after_commit
from payam.models import Campaign
from payam.runtime import Runtime
from tests.live.conftest import (
    TEST_OPTIONS,
    LiveServer,
    add_campaign,
    receive,
    requires_redis,
    user_with_token,
)
from tests.support import served


def _deployment(
    settings: Settings, prefix: str
) -> Callable[[], AbstractAsyncContextManager[LiveServer]]:
    @asynccontextmanager
    async def run() -> AsyncIterator[LiveServer]:
        runtime = Runtime.create(settings.model_copy(update={"live_channel_prefix": prefix}))
        await runtime.start()
        try:
            app = create_app(runtime=runtime)
            app.state.live_options = TEST_OPTIONS
            async with served(app) as address:
                yield LiveServer(app, runtime, f"http://{address}", f"ws://{address}/api/v1/ws")
        finally:
            await runtime.close()

    return run


@requires_redis
async def test_two_apps_on_one_redis_never_hear_each_others_events(
    settings: Settings, live_server: LiveServer
) -> None:
    # live_server is one deployment (its own prefix); "other" is a second one on the same Redis
    # and database, and "other_twin" a second process of that second deployment.
    other_prefix = f"payam:test-other:{uuid.uuid4().hex}:"
    assert other_prefix != settings.live_channel_prefix
    async with AsyncExitStack() as stack:
        other = await stack.enter_async_context(_deployment(settings, other_prefix)())
        other_twin = await stack.enter_async_context(_deployment(settings, other_prefix)())
        user_id, token = await user_with_token(live_server)
        campaign = await add_campaign(live_server.runtime, user_id, total_recipients=3)
        sockets = [await server.connect(token=token) for server in (live_server, other, other_twin)]
        for websocket in sockets:
            assert (await receive(websocket))["type"] == "snapshot"
        mine, in_other, in_other_twin = sockets

        # A change made by the second deployment, announced after its commit.
        async with transaction(other.runtime.sessionmaker) as session:
            row = await session.get_one(Campaign, campaign.id)
            row.sent_count += 1
            publish_campaign_after_commit(session, other.runtime.hub, row, type=CAMPAIGN_PROGRESS)
        await live_server.runtime.hub.publish(user_id, {"type": "marker", "from": "first"})
        await other.runtime.hub.publish(user_id, {"type": "marker", "from": "second"})

        # Through Redis it reaches the second deployment's other process ...
        for websocket in (in_other, in_other_twin):
            event = await receive(websocket)
            assert (event["type"], event["counts"]["sent"]) == (CAMPAIGN_PROGRESS, 1)
        # ... and not the first deployment: its next message is its own marker.
        assert await receive(mine) == {"type": "marker", "from": "first"}
        # Nor the first's marker the second: each hears only its own.
        for websocket in (in_other, in_other_twin):
            assert await receive(websocket) == {"type": "marker", "from": "second"}
        for websocket in sockets:
            await websocket.close()
