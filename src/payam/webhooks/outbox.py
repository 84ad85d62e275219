"""Events written into the transaction of the change they tell of (the outbox).

Other features call these while their change is still uncommitted, so an event exists exactly
when its change does; the delivery loop (``payam.webhooks.delivery``) sends it after the commit.
Nothing here calls out: it only adds rows, and none when no endpoint listens.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.clock import utc_now
from payam.models import Campaign, RecipientStatus
from payam.webhooks.events import CAMPAIGN_EVENTS, RECIPIENT_EVENTS, EventType
from payam.webhooks.repository import WebhookRepository


async def record_event(
    session: AsyncSession,
    *,
    user_id: int,
    event_type: EventType,
    subject_id: int,
    data: dict[str, Any],
) -> None:
    """``event_type`` happened to ``subject_id``: one event for each endpoint that listens."""
    repository = WebhookRepository(session)
    now = utc_now()
    await repository.add_events(
        [
            {
                "endpoint_id": endpoint_id,
                "type": event_type.value,
                "subject_id": subject_id,
                "data": data,
                "created_at": now,
            }
            for endpoint_id in await repository.listeners(user_id, event_type.value)
        ]
    )


def campaign_data(campaign: Campaign) -> dict[str, Any]:
    return {
        "campaign_id": campaign.id,
        "title": campaign.title,
        "status": campaign.status.value,
        "reason": campaign.status_reason,
        "counts": campaign.counts(),
    }


async def record_campaign_status(session: AsyncSession, campaign: Campaign) -> None:
    """The campaign's new status, when an event names it (a pause the user asked for)."""
    event_type = CAMPAIGN_EVENTS.get(campaign.status)
    if event_type is not None:
        await record_event(
            session,
            user_id=campaign.user_id,
            event_type=event_type,
            subject_id=campaign.id,
            data=campaign_data(campaign),
        )


async def record_recipient_events(
    session: AsyncSession, moved: Mapping[int, RecipientStatus]
) -> None:
    """Recipients that reached a status an event names (sent, delivered, read, failed,
    skipped): one statement to find who listens, one to write; nothing when nobody does."""
    types = {
        recipient_id: RECIPIENT_EVENTS[status]
        for recipient_id, status in moved.items()
        if status in RECIPIENT_EVENTS
    }
    if not types:
        return
    repository = WebhookRepository(session)
    now = utc_now()
    rows = []
    for row in await repository.recipient_listeners(types.keys()):
        event_type = types[row.id]
        if event_type.value not in row.events:
            continue
        rows.append(
            {
                "endpoint_id": row.endpoint_id,
                "type": event_type.value,
                "subject_id": row.id,
                "created_at": now,
                "data": {
                    "campaign_id": row.campaign_id,
                    "recipient_id": row.id,
                    "phone": row.phone,
                    "status": moved[row.id].value,
                    "message_id": row.message_id,
                    "error": row.error if event_type is not EventType.RECIPIENT_SENT else None,
                },
            }
        )
    await repository.add_events(rows)


@dataclass(frozen=True, slots=True)
class Reply:
    """A message a recipient sent to the number that wrote to them."""

    phone: str  # E.164
    text: str
    at: datetime
    # The transport's name for it, the same each time it is handed out (None: it has none).
    key: str | None
    opted_out: bool


def _reply_key(sender_id: int, reply: Reply) -> str:
    """The same for every copy of one reply, whatever the transport could name it by."""
    name = reply.key or f"{reply.phone}|{reply.at.isoformat()}|{reply.text}"
    return hashlib.sha256(f"{sender_id}:{name}".encode()).hexdigest()


async def record_replies(
    session: AsyncSession, *, user_id: int, sender_id: int, replies: Sequence[Reply]
) -> None:
    """``recipient.replied`` for each reply from someone this number sent to, once per reply
    even when the transport hands it out twice (an endpoint's keys are unique): nothing when
    nobody listens."""
    if not replies:
        return
    repository = WebhookRepository(session)
    endpoint_ids = await repository.listeners(user_id, EventType.RECIPIENT_REPLIED.value)
    if not endpoint_ids:
        return
    recipients = await repository.replied_recipients(
        user_id=user_id, sender_id=sender_id, phones={reply.phone for reply in replies}
    )
    keyed = {_reply_key(sender_id, reply): reply for reply in replies if reply.phone in recipients}
    if not keyed:
        return
    known = await repository.known_keys(endpoint_ids, keyed.keys())
    now = utc_now()
    rows: list[dict[str, Any]] = []
    for key, reply in keyed.items():
        recipient = recipients[reply.phone]
        data = {
            "campaign_id": recipient.campaign_id,
            "recipient_id": recipient.id,
            "phone": reply.phone,
            "message_id": recipient.message_id,
            "text": reply.text,
            "received_at": reply.at.isoformat(),
            "opted_out": reply.opted_out,
        }
        rows.extend(
            {
                "endpoint_id": endpoint_id,
                "type": EventType.RECIPIENT_REPLIED.value,
                "subject_id": recipient.id,
                "data": data,
                "dedup_key": key,
                "created_at": now,
            }
            for endpoint_id in endpoint_ids
            if (endpoint_id, key) not in known
        )
    await repository.add_events(rows)
