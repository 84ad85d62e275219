from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from payam.app import create_app
from payam.runtime import Runtime
from tests.support import PROBLEM_JSON, problem_fields


@pytest.fixture
async def failing_client(runtime: Runtime) -> AsyncIterator[httpx.AsyncClient]:
    """The real app with one extra route that fails the way a bug would."""
    app = create_app(runtime=runtime)

    @app.get("/api/v1/explode")
    async def explode() -> None:
        raise RuntimeError("secret detail: password=hunter2 at db.internal:5432")

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as client:
        yield client


async def test_an_unexpected_error_is_a_500_problem_without_details(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get("/api/v1/explode")

    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body = response.json()
    assert body["status"] == 500
    assert body["request_id"]
    assert body["errors"] == [{"field": None, "reason": "internal error"}]
    for leak in ("secret detail", "hunter2", "RuntimeError", "Traceback", "db.internal"):
        assert leak not in response.text


async def test_the_500_quotes_the_callers_request_id_for_support(
    failing_client: httpx.AsyncClient,
) -> None:
    response = await failing_client.get(
        "/api/v1/explode", headers={"X-Request-ID": "ticket-20261126-1"}
    )

    assert response.status_code == 500
    assert response.json()["request_id"] == "ticket-20261126-1"
    assert response.headers["X-Request-ID"] == "ticket-20261126-1"


async def test_an_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    problem_fields(response)
    body = response.json()
    assert body["type"].endswith("/not-found")
    assert body["instance"] == "/api/v1/no-such-thing"
    assert body["request_id"] == response.headers["X-Request-ID"]


async def test_a_wrong_method_is_a_405_problem_that_names_the_allowed_ones(
    client: httpx.AsyncClient,
) -> None:
    response = await client.delete("/api/v1/auth/login")

    assert response.status_code == 405
    problem_fields(response)
    assert response.json()["type"].endswith("/method-not-allowed")
    assert response.headers["allow"] == "POST"


async def test_a_body_that_is_not_json_is_a_422_problem(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/login", content=b"login=sara", headers={"content-type": "text/plain"}
    )

    assert response.status_code == 422
    problem_fields(response)
    assert all(error["reason"] for error in response.json()["errors"])


async def test_the_schema_documents_every_refusal_as_a_problem(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/api/v1/openapi.json")).json()
    operations = {
        f"{method.upper()} {path}": operation["responses"]
        for path, methods in schema["paths"].items()
        for method, operation in methods.items()
    }

    problem = {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    refusals = {
        (name, status): response["content"]
        for name, responses in operations.items()
        for status, response in responses.items()
        if status.startswith("4") and response.get("content") != problem
    }
    assert refusals == {}
    # Signing in is a dependency: its refusals come with it, on every route that uses it.
    assert {"401", "403"} <= operations["GET /api/v1/campaigns"].keys()
    assert not {"401", "403"} & operations["GET /api/v1/packages"].keys()
    assert "HTTPValidationError" not in schema["components"]["schemas"]
