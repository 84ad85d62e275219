"""Someone else's campaign is not found, on every route, and stays as its owner left it.

The report (/export) has its own in test_export.py.
"""

from __future__ import annotations

import httpx
import pytest

from payam.models import CampaignStatus
from payam.runtime import Runtime
from tests.campaign_support import campaign_in, campaign_view, grant_messages, user_id
from tests.support import PROBLEM_JSON

ROUTES = [
    ("GET", ""),
    ("PATCH", ""),
    ("DELETE", ""),
    ("POST", "/start"),
    ("POST", "/pause"),
    ("POST", "/resume"),
    ("POST", "/cancel"),
    ("POST", "/duplicate"),
    ("POST", "/retry"),
    ("GET", "/recipients"),
    ("GET", "/preview"),
    ("POST", "/test"),
]
# Bodies a route takes: valid ones, so that only the ownership can refuse them.
BODIES = {"PATCH": {"title": "Mine now"}, "POST /test": {}}


@pytest.mark.parametrize(("method", "tail"), ROUTES)
async def test_someone_elses_campaign_is_not_found(
    client: httpx.AsyncClient,
    runtime: Runtime,
    user: dict[str, str],
    stranger: dict[str, str],
    method: str,
    tail: str,
) -> None:
    # Paused: every step but start could apply to it. The stranger could pay for it too.
    campaign = await campaign_in(client, runtime, user, CampaignStatus.PAUSED)
    await grant_messages(runtime, await user_id(client, stranger), 10)
    body = BODIES.get(method) or BODIES.get(f"{method} {tail}")

    answers = [
        await client.request(
            method, f"/api/v1/campaigns/{campaign_id}{tail}", json=body, headers=stranger
        )
        for campaign_id in (campaign["id"], 999_999)
    ]

    assert [answer.status_code for answer in answers] == [404, 404]
    assert answers[0].headers["content-type"] == PROBLEM_JSON
    # Exactly as for a campaign that does not exist: nothing tells the two apart.
    assert answers[0].json()["detail"] == answers[1].json()["detail"] == "No such campaign"
    after = await campaign_view(client, user, campaign["id"])
    assert (after["status"], after["title"], after["updated_at"]) == (
        "PAUSED",
        "Black Friday",
        campaign["updated_at"],
    )
    assert (await client.get("/api/v1/campaigns", headers=stranger)).json()["total"] == 0
