"""A WhatsApp Web number checks recipients through the library's is_on_whatsapp in batches
before sending, never sends to those it says are not on WhatsApp, and asks no number twice
while its answer holds (issue 9)."""

from __future__ import annotations

import httpx

from payam.providers.web.provider import CHECK_BATCH
from payam.runtime import Runtime
from tests.campaign_support import campaign_view, grant_messages, user_id
from tests.dispatch.test_presence import run_campaign, skipped_of
from tests.fakes.neonize import FakeWhatsAppWeb
from tests.providers.web.conftest import linked_sender

PHONE = "989121112233"


async def test_recipients_not_on_whatsapp_are_skipped_and_never_sent_to(
    client: httpx.AsyncClient, user: dict[str, str], runtime: Runtime, world: FakeWhatsAppWeb
) -> None:
    await grant_messages(runtime, await user_id(client, user), 1000)
    # Past its warm-up, so that its daily cap does not stop the campaign halfway.
    sender, _ = await linked_sender(client, user, world, PHONE, warmup_days=0)
    phones = [f"+98912{n:07d}" for n in range(120)]
    world.not_on_whatsapp = {"989120000007", "989120000111"}

    first = await run_campaign(client, runtime, user, sender_id=sender["id"], phones=phones)

    absent = {"+989120000007", "+989120000111"}
    assert await skipped_of(runtime, first["id"]) == dict.fromkeys(absent, "not on WhatsApp")
    assert sorted(f"+{sent.to}" for sent in world.sent) == sorted(set(phones) - absent)
    view = await campaign_view(client, user, first["id"])
    assert view["counts"]["skipped"] == 2
    # The engine asks about 100 ahead; the library is called at most CHECK_BATCH at a time.
    assert [len(asked) for asked in world.checked] == [CHECK_BATCH, CHECK_BATCH, 20]
    assert sorted(phone for asked in world.checked for phone in asked) == sorted(
        phone.lstrip("+") for phone in phones
    )

    second = await run_campaign(client, runtime, user, sender_id=sender["id"], phones=phones)

    assert len(world.checked) == 3  # every answer remembered: no new call
    assert await skipped_of(runtime, second["id"]) == dict.fromkeys(absent, "not on WhatsApp")
    assert len(world.sent) == 2 * (len(phones) - len(absent))
