"""The OpenAPI schema tells the truth: every operation, fuzzed, answers only as documented.

Schemathesis generates requests for each operation from the schema (valid ones, and invalid ones
that must be refused), signed in as a user and as a super admin, and checks each answer: never a
server error, only documented statuses and content types, and bodies that match their schemas.
No operation is left out: the WebSocket (/api/v1/ws) and /metrics are not in the schema, and
signing out, which would end the session the rest uses, runs last instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Err
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from payam.app import create_app
from payam.config import Settings
from payam.jobs import embedded_worker
from payam.runtime import Runtime
from tests.imports.helpers import import_file
from tests.media.samples import png
from tests.support import PASSWORD, bearer, login, signed_in_admin, signed_up

# Enough to reach most refusals of every operation while the whole run, both roles, stays within a
# minute on SQLite. The examples are the same on every run (derandomized) so that the bar is
# steady; to hunt further, raise this and let them vary.
EXAMPLES_PER_OPERATION = 12
# The operations are fuzzed in a few separate tests, each with its own seeded rows, so that the
# test workers share them out instead of one worker carrying the whole schema at the end.
SHARDS = 3
Operation = schemathesis.APIOperation[Any, Any, Any, Any]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True, slots=True)
class Seeded:
    """Who calls, and real ids for the path parameters, so operations reach real rows too."""

    headers: dict[str, str]
    path_parameters: dict[str, Any]


@pytest.fixture
def settings(settings: Settings) -> Settings:
    # One connection per process on every database, as SQLite always has: an operation that
    # needed a second connection beside its request's would wait out the pool and answer 500.
    return settings.model_copy(
        update={"database_pool_size": 1, "database_pool_timeout_seconds": 10}
    )


@pytest.fixture
def jobs(settings: Settings, runtime: Runtime) -> Iterator[None]:
    """Imports run, as when embedded; stopped (and its queue emptied) before the tables are."""
    with embedded_worker(settings):
        yield


async def _created(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture(params=["user", "super admin"])
async def seeded(
    request: pytest.FixtureRequest, client: httpx.AsyncClient, runtime: Runtime, jobs: None
) -> Seeded:
    admin = bearer(await signed_in_admin(client, runtime))
    user, user_tokens = await signed_up(client)
    as_admin = request.param == "super admin"
    caller = admin if as_admin else bearer(user_tokens)
    me = (await client.get("/api/v1/users/me", headers=caller)).json()
    package = await _created(
        await client.post(
            "/api/v1/admin/packages",
            json={"title": "Starter", "price": "2500000", "duration_days": 30, "message_limit": 50},
            headers=admin,
        )
    )
    await _created(
        await client.post(
            f"/api/v1/admin/users/{me['id']}/subscription-grants",
            json={"package_id": package["id"], "reason": "contract test"},
            headers=admin,
        )
    )
    sender = await _created(
        await client.post("/api/v1/senders", json={"display_name": "Shop"}, headers=caller)
    )
    media = await _created(
        await client.post(
            "/api/v1/media", files={"file": ("logo.png", png(), "image/png")}, headers=caller
        )
    )
    campaign = await _created(
        await client.post(
            "/api/v1/campaigns",
            json={
                "title": "Spring sale",
                "message": "Hi {{name|friend}}",
                "sender_ids": [sender["id"]],
                "media_id": media["id"],
            },
            headers=caller,
        )
    )
    finished = await import_file(
        client, caller, campaign["id"], b"phone,name\n09121111111,Ali\nnot a phone,Bad\n"
    )
    payment = await _created(
        await client.post(
            "/api/v1/payments/checkout", json={"package_id": package["id"]}, headers=caller
        )
    )
    # Paid through the sandbox bank, so that the payment has an invoice to show.
    paid = await client.post(f"{payment['redirect_url']}/approve")
    assert (await client.get(paid.headers["location"])).status_code == 200
    # A second device of the caller's, for the session routes to sign out instead of this one.
    await login(client, me["username"], PASSWORD)
    sessions = (await client.get("/api/v1/users/me/sessions", headers=caller)).json()
    [other_session] = [session["id"] for session in sessions if not session["current"]]
    return Seeded(
        headers=caller,
        path_parameters={
            "campaign_id": campaign["id"],
            "sender_id": sender["id"],
            "media_id": media["id"],
            "import_id": finished["id"],
            "payment_id": payment["payment_id"],
            "authority": payment["redirect_url"].rsplit("/", 1)[1],
            "decision": "approve",
            "package_id": package["id"],
            "session_id": other_session,
            # An admin manages the user; a user reaching admin routes is refused anyway.
            "user_id": user["id"],
        },
    )


def _last_the_destructive(operation: Operation) -> tuple[bool, bool]:
    # Signing out ends the session every other call uses, and deleting the seeded rows leaves
    # the operations after it only "not found" to answer: both go last.
    return operation.path.endswith("/auth/logout"), operation.method.upper() == "DELETE"


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_documented(
    seeded: Seeded, settings: Settings, shard: int
) -> None:
    # Its own process-wide state (a runtime, built in schemathesis' event loop), on the same
    # database; no embedded worker, as the test's is already running.
    app = create_app(settings.model_copy(update={"embedded_worker": False}))
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
    operations: list[Operation] = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()
        operations.append(result.ok())
    operations.sort(key=lambda operation: operation.label)
    operations = operations[shard::SHARDS]
    operations.sort(key=_last_the_destructive)

    failures = [
        f"{operation.label}: {error}"
        for operation in operations
        if (error := _fuzz(operation, seeded)) is not None
    ]

    assert not failures, "\n\n".join(failures)


def _fuzz(operation: Operation, seeded: Seeded) -> Exception | None:
    known = {
        parameter.name: seeded.path_parameters[parameter.name]
        for parameter in operation.path_parameters
        if parameter.name in seeded.path_parameters
    }
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]
    if known:
        strategies.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))

    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def call(case: schemathesis.Case[Operation]) -> None:
        case.call_and_validate(headers=seeded.headers, checks=CHECKS)

    try:
        call()
    except Exception as error:  # the failing example, shrunk, with a curl line to reproduce it
        return error
    return None
