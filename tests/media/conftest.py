from __future__ import annotations

import httpx
import pytest

from tests.support import bearer, signed_up


@pytest.fixture
async def sara(client: httpx.AsyncClient) -> dict[str, str]:
    _, tokens = await signed_up(client)
    return bearer(tokens)


@pytest.fixture
async def ali(client: httpx.AsyncClient) -> dict[str, str]:
    _, tokens = await signed_up(
        client, name="Ali Rezaei", username="ali", email="ali@example.com", phone="09351234567"
    )
    return bearer(tokens)
