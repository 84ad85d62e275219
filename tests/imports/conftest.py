from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from payam.config import Settings
from payam.jobs import embedded_worker
from payam.runtime import Runtime
from tests.imports.helpers import create_campaign
from tests.support import bearer, signed_up


@pytest.fixture(autouse=True)
def jobs(settings: Settings, runtime: Runtime) -> Iterator[None]:
    """Jobs run in-process, as in the embedded mode; stopped before the tables are emptied."""
    with embedded_worker(settings):
        yield


@pytest.fixture
async def sara(client: httpx.AsyncClient) -> dict[str, Any]:
    user, tokens = await signed_up(client)
    return {"user": user, "headers": bearer(tokens)}


@pytest.fixture
async def headers(sara: dict[str, Any]) -> dict[str, str]:
    result: dict[str, str] = sara["headers"]
    return result


@pytest.fixture
async def campaign_id(runtime: Runtime, sara: dict[str, Any]) -> int:
    return await create_campaign(runtime, user_id=sara["user"]["id"])


@pytest.fixture
async def stranger(client: httpx.AsyncClient) -> dict[str, str]:
    _, tokens = await signed_up(
        client, username="reza", email="reza@example.com", phone="09351234567"
    )
    return bearer(tokens)
