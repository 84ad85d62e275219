"""Bodies over the limit are refused with 413 before they are read, on every route."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest

from payam.app import create_app
from payam.config import Settings
from payam.runtime import Runtime
from tests.support import PROBLEM_JSON, bearer, signed_up

LIMIT = 4096


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_body_bytes": LIMIT})


def routes_with_a_json_body(runtime: Runtime) -> list[tuple[str, str]]:
    """Every operation whose documented body is JSON, with 1 for each id in its path; not the
    uploads, which also take a file and stream either to disk under their own limits."""
    routes = []
    for path, operations in create_app(runtime=runtime).openapi()["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" in content and "multipart/form-data" not in content:
                routes.append((method.upper(), re.sub(r"\{[^}]+\}", "1", path)))
    return routes


def assert_refused(response: httpx.Response) -> None:
    assert response.status_code == 413, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["type"].endswith("/body-too-large")


async def test_every_route_refuses_a_body_over_the_limit_before_sign_in(
    client: httpx.AsyncClient, runtime: Runtime
) -> None:
    routes = routes_with_a_json_body(runtime)
    assert len(routes) >= 20
    huge = b'{"login": "' + b"a" * LIMIT + b'"}'
    for method, path in routes:
        response = await client.request(
            method, path, content=huge, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 413, (method, path, response.status_code)
    assert_refused(response)


async def test_a_body_sent_in_chunks_without_a_length_is_counted_as_it_comes(
    client: httpx.AsyncClient,
) -> None:
    chunks_sent = 0

    async def long_body() -> AsyncIterator[bytes]:
        nonlocal chunks_sent
        yield b'{"login": "'
        for _ in range(16 * LIMIT // 1024):
            chunks_sent += 1
            yield b"a" * 1024
        yield b'", "password": "x"}'

    response = await client.post(
        "/api/v1/auth/login", content=long_body(), headers={"Content-Type": "application/json"}
    )

    assert_refused(response)
    assert chunks_sent <= LIMIT // 1024 + 1


async def test_a_body_under_the_limit_is_read_as_usual(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/v1/auth/login", json={"login": "nobody", "password": "x"})

    assert response.status_code == 401


async def test_uploads_keep_their_own_larger_limits(client: httpx.AsyncClient) -> None:
    _, tokens = await signed_up(client)
    campaign = await client.post(
        "/api/v1/campaigns", json={"title": "Big list", "message": "Salam"}, headers=bearer(tokens)
    )
    assert campaign.status_code == 201, campaign.text
    rows = "".join(f"+98912{i:07d},Customer {i}\n" for i in range(1000)).encode()
    assert len(rows) > 5 * LIMIT

    response = await client.post(
        f"/api/v1/campaigns/{campaign.json()['id']}/imports",
        files={"file": ("customers.csv", rows, "text/csv")},
        headers=bearer(tokens),
    )

    assert response.status_code == 201, response.text
