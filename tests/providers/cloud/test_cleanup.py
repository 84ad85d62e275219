"""The housekeeping pass removes the Cloud API inbox's entries acknowledged long ago, only those."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from payam.background import housekeeping
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import CloudWebhookEvent
from payam.providers.cloud.cleanup import INBOX_KEEP
from payam.runtime import Runtime
from tests.providers.cloud.conftest import CloudWorld


async def test_entries_done_for_longer_than_the_keep_go_and_the_rest_stay(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], cloud: CloudWorld
) -> None:
    sender = await cloud.link(client, user)
    now = utc_now()
    taken = {
        "old": now - INBOX_KEEP - timedelta(hours=1),
        "recent": now - timedelta(days=1),
        "waiting": None,
    }
    async with transaction(runtime.sessionmaker) as session:
        for key, taken_at in taken.items():
            session.add(
                CloudWebhookEvent(
                    sender_id=sender["id"],
                    dedup_key=key,
                    kind="message",
                    phone="+989121234567",
                    text="hi",
                    occurred_at=now - timedelta(days=30),
                    received_at=now - timedelta(days=30),
                    taken_at=taken_at,
                )
            )

    await housekeeping(runtime, jobs=False, now=now)

    async with transaction(runtime.sessionmaker) as session:
        left = set(await session.scalars(select(CloudWebhookEvent.dedup_key)))
    assert left == {"recent", "waiting"}
