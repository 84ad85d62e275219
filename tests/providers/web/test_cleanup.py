"""The housekeeping pass forgets WhatsApp Web's id pairs once no receipt can name them."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import select

from payam.background import housekeeping
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import WebSentMessage
from payam.providers.web.cleanup import SENT_KEEP
from payam.runtime import Runtime
from tests.fakes.neonize import FakeWhatsAppWeb
from tests.providers.web.conftest import linked_sender


async def test_pairs_older_than_the_keep_go_and_recent_ones_stay(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], world: FakeWhatsAppWeb
) -> None:
    sender, _ = await linked_sender(client, user, world, "989121112233")
    now = utc_now()
    sent = {"old": now - SENT_KEEP - timedelta(hours=1), "recent": now - timedelta(days=2)}
    async with transaction(runtime.sessionmaker) as session:
        for wa_id, sent_at in sent.items():
            session.add(
                WebSentMessage(
                    sender_id=sender["id"], wa_message_id=wa_id, message_id=wa_id, sent_at=sent_at
                )
            )

    await housekeeping(runtime, jobs=False, now=now)

    async with transaction(runtime.sessionmaker) as session:
        left = set(await session.scalars(select(WebSentMessage.wa_message_id)))
    assert left == {"recent"}
