"""Ids beyond a 64-bit row id: not found in a path, invalid in a body, never a server error."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from payam.kit.ids import ID_LIMIT
from tests.support import bearer, problem_fields, signed_up

TOO_BIG = ID_LIMIT


@pytest.fixture
async def sara(client: httpx.AsyncClient) -> dict[str, str]:
    _, tokens = await signed_up(client)
    return bearer(tokens)


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/campaigns/{TOO_BIG}",
        f"/api/v1/senders/{TOO_BIG}",
        f"/api/v1/media/{TOO_BIG}/content",
        f"/api/v1/imports/{TOO_BIG}",
        f"/api/v1/payments/{TOO_BIG}",
        f"/api/v1/campaigns/{10**30}",
        "/api/v1/campaigns/0",
    ],
)
async def test_a_path_id_no_row_can_have_is_not_found(
    client: httpx.AsyncClient, sara: dict[str, str], path: str
) -> None:
    response = await client.get(path, headers=sara)

    assert response.status_code == 404, response.text
    problem_fields(response)


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/api/v1/campaigns",
            {"title": "Sale", "message": "Hi", "sender_ids": [TOO_BIG]},
            "sender_ids.0",
        ),
        ("/api/v1/campaigns", {"title": "Sale", "message": "Hi", "media_id": TOO_BIG}, "media_id"),
        ("/api/v1/payments/checkout", {"package_id": TOO_BIG}, "package_id"),
    ],
)
async def test_a_body_id_no_row_can_have_is_invalid(
    client: httpx.AsyncClient, sara: dict[str, str], path: str, body: dict[str, Any], field: str
) -> None:
    response = await client.post(path, json=body, headers=sara)

    assert response.status_code == 422, response.text
    assert problem_fields(response) == [field]


async def test_ids_are_documented_as_64_bit(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()

    [campaign_id] = schema["paths"]["/api/v1/campaigns/{campaign_id}"]["get"]["parameters"]
    assert (campaign_id["schema"]["minimum"], campaign_id["schema"]["exclusiveMaximum"]) == (
        1,
        ID_LIMIT,
    )
    checkout = schema["components"]["schemas"]["Checkout"]["properties"]["package_id"]
    assert (checkout["minimum"], checkout["exclusiveMaximum"]) == (1, ID_LIMIT)
