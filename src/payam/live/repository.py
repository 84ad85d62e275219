"""The SQL of live progress: campaigns' states, read for snapshots and progress events."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import load_only

from payam.kit.repository import Repository
from payam.live.events import STATE_ATTRIBUTES
from payam.models import Campaign

# Only what an event carries: the message texts and the rest of 200 rows add up.
_STATE_COLUMNS = [getattr(Campaign, name) for name in sorted(STATE_ATTRIBUTES)]


class LiveRepository(Repository[Campaign]):
    model = Campaign

    async def newest_states(self, user_id: int, *, limit: int) -> Sequence[Campaign]:
        """A user's newest campaigns, with only the columns of their live state loaded."""
        result = await self.session.scalars(
            select(Campaign)
            .options(load_only(*_STATE_COLUMNS))
            .where(Campaign.user_id == user_id)
            .order_by(Campaign.id.desc())
            .limit(limit)
        )
        return result.all()

    async def states_of(self, campaign_ids: Sequence[int]) -> Sequence[Campaign]:
        """These campaigns, with their live state and their owner loaded."""
        result = await self.session.scalars(
            select(Campaign)
            .options(load_only(*_STATE_COLUMNS, Campaign.user_id))
            .where(Campaign.id.in_(campaign_ids))
        )
        return result.all()
