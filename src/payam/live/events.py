"""The events a campaign's owner sees live, and how to publish them only once they are true."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from payam.db.session import run_after_commit
from payam.kit.clock import utc_now
from payam.models import Campaign
from payam.pubsub.hub import Event, LiveHub

__all__ = [
    "CAMPAIGN_PROGRESS",
    "CAMPAIGN_STATUS",
    "STATE_ATTRIBUTES",
    "campaign_event",
    "campaign_state",
    "publish_campaign_after_commit",
]

CAMPAIGN_PROGRESS = "campaign.progress"
CAMPAIGN_STATUS = "campaign.status"

# Everything campaign_state reads: an attribute SQLAlchemy has not loaded would be fetched
# lazily, which an async session refuses (MissingGreenlet) far from the mistake.
STATE_ATTRIBUTES = frozenset(
    {
        "id",
        "status",
        "status_reason",
        "total_recipients",
        "sending_count",
        "sent_count",
        "delivered_count",
        "read_count",
        "failed_count",
        "skipped_count",
        "unknown_count",
        "started_at",
        "completed_at",
        "updated_at",
        "version",
    }
)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _unloaded(campaign: Campaign) -> set[str]:
    state = inspect(campaign)
    return set(state.unloaded & STATE_ATTRIBUTES)


def campaign_state(campaign: Campaign) -> dict[str, Any]:
    """A campaign's status and counters as JSON, as the snapshot and every event carry them.

    ``version`` orders two states of one campaign: a listener keeps the one with the higher.
    The database counts it (``Campaign.version``), so it holds across processes whose clocks
    disagree; ``updated_at`` is for showing only.
    """
    missing = _unloaded(campaign)
    if missing:
        raise ValueError(
            f"campaign {campaign.id}: load {sorted(missing)} first (await session.refresh(...))"
        )
    return {
        "campaign_id": campaign.id,
        "status": campaign.status.value,
        "status_reason": campaign.status_reason,
        "counts": campaign.counts(),
        "started_at": _iso(campaign.started_at),
        "completed_at": _iso(campaign.completed_at),
        "updated_at": _iso(campaign.updated_at),
        "version": campaign.version,
    }


def campaign_event(campaign: Campaign, *, type: str) -> Event:
    """``{"type": type, **campaign_state(campaign), "at": now}``; type is CAMPAIGN_PROGRESS for
    counters and CAMPAIGN_STATUS for a change of status."""
    return {"type": type, **campaign_state(campaign), "at": _iso(utc_now())}


def publish_campaign_after_commit(
    session: AsyncSession,
    hub: LiveHub,
    campaign: Campaign,
    *,
    type: str,
    refresh: bool = False,
) -> None:
    """Publish ``campaign``'s event once ``session`` commits, built from its committed state.

    Built at commit time rather than now, so it carries every later change of the same
    transaction and the ``version`` of the final flush. ``refresh=True`` re-reads the row
    after the commit: for counters changed by a bulk ``UPDATE`` that the loaded object does not
    reflect.
    """
    user_id = campaign.user_id

    async def publish() -> None:
        if refresh:
            await session.refresh(campaign)
        elif missing := _unloaded(campaign):
            await session.refresh(campaign, attribute_names=sorted(missing))
        await hub.publish(user_id, campaign_event(campaign, type=type))

    run_after_commit(session, publish)
