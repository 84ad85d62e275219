"""GET /campaigns/{id}/preflight as a client reads it: a risky campaign and a safe one."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from sqlalchemy import update

from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.models import Recipient, RecipientStatus, WhatsAppPresence
from payam.runtime import Runtime
from tests.campaign_support import create_campaign, link_sender, phone_number, user_id
from tests.support import PROBLEM_JSON


async def preflight(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int
) -> dict[str, Any]:
    response = await client.get(f"/api/v1/campaigns/{campaign_id}/preflight", headers=headers)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def codes(report: dict[str, Any]) -> dict[str, str]:
    return {finding["code"]: finding["severity"] for finding in report["findings"]}


async def test_a_risky_campaign_scores_high_and_says_what_to_change(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user)  # new, no warm-up, no quiet hours
    phones = [phone_number(i) for i in range(10)]
    earlier = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=3, phones=phones[:3]
    )
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Recipient)
            .where(Recipient.campaign_id == earlier["id"])
            .values(status=RecipientStatus.SKIPPED, error="not on WhatsApp")
        )
    campaign = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[sender["id"]],
        recipients=10,
        phones=phones,
        interval=5,
        message="Big sale today at our shop!",
    )

    report = await preflight(client, user, campaign["id"])

    assert (report["campaign_id"], report["recipients"]) == (campaign["id"], 10)
    assert (report["score"], report["level"]) == (100, "high")
    assert codes(report) == {
        "FAST_PACE": "warning",
        "IDENTICAL_TEXT": "warning",
        "NO_OPT_OUT": "warning",
        "KNOWN_NOT_ON_WHATSAPP": "danger",
        "UNCHECKED_RECIPIENTS": "info",
        "NEW_NUMBER_NO_WARMUP": "danger",
        "NO_QUIET_HOURS": "info",
    }
    known = next(f for f in report["findings"] if f["code"] == "KNOWN_NOT_ON_WHATSAPP")
    assert known["found"].startswith("3 of 10 recipients")
    assert "Remove them" in known["change"]
    assert report["findings"][0]["points"] >= report["findings"][-1]["points"]
    assert report["days_needed"] == 1


async def test_a_safe_campaign_scores_low_and_says_how_many_days_it_takes(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(
        client, user, warmup_days=14, quiet_hours={"start": "22:00", "end": "08:00"}
    )
    campaign = await create_campaign(
        client,
        runtime,
        user,
        sender_ids=[sender["id"]],
        recipients=30,
        interval=20,
        message="{سلام|درود} {{name|دوست}}، تخفیف امروز. برای لغو، «لغو» بفرستید.",
    )

    report = await preflight(client, user, campaign["id"])

    assert (report["score"], report["level"]) == (15, "low")
    assert codes(report) == {
        "UNCHECKED_RECIPIENTS": "info",
        "WARMING_UP": "info",
        "SPANS_DAYS": "info",
    }
    # Day 1 of the warm-up allows 20, day 2 another 26.
    assert report["days_needed"] == 2
    warming = next(f for f in report["findings"] if f["code"] == "WARMING_UP")
    assert "day 1 of its 14-day warm-up: 20 messages today" in warming["found"]


async def test_every_campaign_answers_and_only_its_owner_sees_it(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    stranger: dict[str, str],
) -> None:
    draft = await create_campaign(client, runtime, user, sender_ids=[], recipients=0)

    report = await preflight(client, user, draft["id"])

    assert (report["recipients"], report["days_needed"]) == (0, None)
    assert "NO_NUMBER" in codes(report)
    hidden = await client.get(f"/api/v1/campaigns/{draft['id']}/preflight", headers=stranger)
    assert hidden.status_code == 404
    assert hidden.headers["content-type"].startswith(PROBLEM_JSON)


async def test_a_number_whose_recent_messages_failed_is_flagged(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user, quiet_hours={"start": "22:00", "end": "08:00"})
    earlier = await create_campaign(client, runtime, user, sender_ids=[sender["id"]], recipients=10)
    async with transaction(runtime.sessionmaker) as session:
        await session.execute(
            update(Recipient)
            .where(Recipient.campaign_id == earlier["id"])
            .values(status=RecipientStatus.SENT, sender_id=sender["id"], claimed_at=utc_now())
        )
        await session.execute(
            update(Recipient)
            .where(Recipient.campaign_id == earlier["id"], Recipient.phone == phone_number(0))
            .values(status=RecipientStatus.FAILED)
        )
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=2, interval=10
    )

    report = await preflight(client, user, campaign["id"])

    failures = next(f for f in report["findings"] if f["code"] == "RECENT_FAILURES")
    assert failures["severity"] == "danger"
    assert failures["found"].startswith("1 of the 10 messages")
    # One of the two was reached before (on WhatsApp): no more than half are unchecked.
    assert "UNCHECKED_RECIPIENTS" not in codes(report)


async def test_recent_answers_on_whatsapp_count_and_old_ones_do_not(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str]
) -> None:
    sender = await link_sender(client, user, quiet_hours={"start": "22:00", "end": "08:00"})
    campaign = await create_campaign(
        client, runtime, user, sender_ids=[sender["id"]], recipients=10, interval=10
    )
    owner = await user_id(client, user)
    settings = runtime.settings
    now = utc_now()
    stale = timedelta(hours=settings.whatsapp_check_not_on_ttl_hours, minutes=1)
    answers = {
        # Checked lately: eight on WhatsApp, one not.
        **{phone_number(i): (True, now) for i in range(8)},
        phone_number(8): (False, now),
        # A "not on WhatsApp" older than its setting says nothing any more.
        phone_number(9): (False, now - stale),
    }
    async with transaction(runtime.sessionmaker) as session:
        session.add_all(
            WhatsAppPresence(user_id=owner, phone=phone, on_whatsapp=on, checked_at=at)
            for phone, (on, at) in answers.items()
        )

    report = await preflight(client, user, campaign["id"])

    known = next(f for f in report["findings"] if f["code"] == "KNOWN_NOT_ON_WHATSAPP")
    assert known["found"].startswith("1 of 10 recipients are known not to be on WhatsApp")
    assert known["severity"] == "danger"
    assert "UNCHECKED_RECIPIENTS" not in codes(report)  # one unchecked of ten
