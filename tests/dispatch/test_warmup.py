"""A new number's warm-up cap, enforced by the engine like any daily cap."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import update

from payam.db.session import transaction
from payam.dispatch.engine import Dispatcher
from payam.kit.clock import utc_now
from payam.models import Sender
from payam.runtime import Runtime
from tests.campaign_support import campaign_view, run_until
from tests.dispatch.conftest import accepted_per_phone, started_campaign


async def test_a_day_one_number_stops_at_its_warm_up_cap_and_resumes_the_next_day(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], dispatcher: Dispatcher
) -> None:
    sender, campaign = await started_campaign(
        client, runtime, user, messages=100, recipients=30, warmup_days=2
    )
    assert (sender["daily_cap"], sender["daily_cap_today"], sender["warmup_day"]) == (500, 20, 1)

    async def capped() -> bool:
        return len(await accepted_per_phone(runtime)) >= 20

    await run_until(dispatcher, capped)
    for _ in range(10):
        await dispatcher.run_once()
        await dispatcher.wait_idle()
    assert len(await accepted_per_phone(runtime)) == 20
    assert (await campaign_view(client, user, campaign["id"]))["status"] == "RUNNING"

    # A day passes: the number was connected yesterday and sent yesterday.
    yesterday = utc_now() - timedelta(days=1)
    local_yesterday = yesterday.astimezone(ZoneInfo(runtime.settings.user_time_zone)).date()
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Sender)
            .where(Sender.id == sender["id"])
            .values(
                connected_at=yesterday,
                last_sent_at=yesterday,
                sent_on_day=local_yesterday,
                next_send_at=utc_now(),
            )
        )
    number = (await client.get(f"/api/v1/senders/{sender['id']}", headers=user)).json()
    assert (number["daily_cap_today"], number["warmup_day"]) == (500, 2)

    async def finished() -> bool:
        view = await campaign_view(client, user, campaign["id"])
        return bool(view["status"] == "COMPLETED")

    await run_until(dispatcher, finished)
    assert len(await accepted_per_phone(runtime)) == 30
