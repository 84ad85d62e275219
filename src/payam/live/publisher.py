"""From the dispatcher to the hub: campaign changes, coalesced, published after their commit."""

from __future__ import annotations

import asyncio
import contextlib

import structlog

from payam.db.session import transaction
from payam.live.events import CAMPAIGN_PROGRESS, campaign_event
from payam.live.repository import LiveRepository
from payam.pubsub.hub import LiveHub
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

# A zero-interval campaign changes hundreds of times a second; a screen needs a few updates.
PUBLISH_EVERY_SECONDS = 0.25


class ProgressPublisher:
    """Called with the ids of campaigns whose rows just committed; publishes their state.

    Changes arriving while a publish is pending are merged into it, so each campaign is sent at
    most once per ``every_seconds`` however fast it moves, and always in its latest state.
    """

    def __init__(
        self, runtime: Runtime, hub: LiveHub, *, every_seconds: float = PUBLISH_EVERY_SECONDS
    ) -> None:
        self.runtime = runtime
        self.hub = hub
        self.every_seconds = every_seconds
        self._pending: set[int] = set()
        self._flusher: asyncio.Task[None] | None = None

    async def __call__(self, campaign_ids: set[int]) -> None:
        self._pending |= campaign_ids
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())

    async def _flush(self) -> None:
        while self._pending:
            ids, self._pending = sorted(self._pending), set()
            try:
                async with transaction(self.runtime.sessionmaker) as session:
                    campaigns = await LiveRepository(session).states_of(ids)
                    events = [
                        (campaign.user_id, campaign_event(campaign, type=CAMPAIGN_PROGRESS))
                        for campaign in campaigns
                    ]
                for user_id, event in events:
                    await self.hub.publish(user_id, event)
            except Exception:
                logger.exception("progress_publish_failed", campaigns=len(ids))
            await asyncio.sleep(self.every_seconds)

    async def close(self) -> None:
        if self._flusher is not None:
            with contextlib.suppress(Exception):
                await self._flusher
