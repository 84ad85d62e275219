from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import structlog
from fastapi import FastAPI, WebSocket
from starlette.types import Message, Receive, Scope, Send

from payam.observability.logging import configure_logging
from payam.observability.metrics import REGISTRY
from payam.observability.middleware import RequestContextMiddleware

from ._support import BACKGROUND_SECONDS, BackgroundProbe, build_app, json_lines, preserved_logging

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def logs(capsys: pytest.CaptureFixture[str]) -> Iterator[pytest.CaptureFixture[str]]:
    with preserved_logging():
        configure_logging()
        yield capsys


@pytest.fixture
def app_and_probe() -> tuple[FastAPI, BackgroundProbe]:
    return build_app()


@pytest.fixture
async def client(
    app_and_probe: tuple[FastAPI, BackgroundProbe],
) -> AsyncIterator[httpx.AsyncClient]:
    # The app's own 500 response is what a real client sees, not the re-raised exception.
    transport = httpx.ASGITransport(app_and_probe[0], raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_sane_request_id_is_echoed_and_kept_on_request_state(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/v1/users/7", headers={"X-Request-ID": "edge-42.a_b"})

    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == "edge-42.a_b"
    assert response.json() == {"user_id": 7, "request_id": "edge-42.a_b"}


@pytest.mark.parametrize(
    "incoming",
    ["x" * 65, "has space", "semi;colon", "new\nline", "ünïcode", ""],
)
async def test_an_unsafe_request_id_is_replaced(client: httpx.AsyncClient, incoming: str) -> None:
    response = await client.get(
        "/api/v1/users/7", headers=[(b"x-request-id", incoming.encode("utf-8"))]
    )

    issued = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(issued)
    assert response.json()["request_id"] == issued


async def test_a_request_id_is_generated_when_none_is_sent(client: httpx.AsyncClient) -> None:
    first = await client.get("/api/v1/users/1")
    second = await client.get("/api/v1/users/1")

    assert HEX_ID.fullmatch(first.headers["X-Request-ID"])
    assert first.headers["X-Request-ID"] != second.headers["X-Request-ID"]


async def test_one_json_access_line_per_request_with_the_request_id(
    client: httpx.AsyncClient, logs: pytest.CaptureFixture[str]
) -> None:
    response = await client.get("/api/v1/users/7?secret=1", headers={"X-Request-ID": "req-1"})

    records = json_lines(logs.readouterr().out)
    (access,) = [r for r in records if r["event"] == "http_request"]
    assert access["request_id"] == "req-1"
    assert access["method"] == "GET"
    assert access["path"] == "/api/v1/users/7"
    assert access["route"] == "/api/v1/users/{user_id}"
    assert access["status"] == response.status_code == 200
    assert access["duration_ms"] >= 0
    assert access["client_ip"] == "127.0.0.1"
    assert access["level"] == "info"
    assert access["logger"] == "payam.access"
    # The context is cleared once the request is over.
    assert "request_id" not in structlog.contextvars.get_contextvars()


async def test_metrics_use_the_route_template_not_the_path(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/api/v1/users/{user_id}", "status": "200"}
    before = sample("payam_http_requests_total", **labels)

    await client.get("/api/v1/users/12345")
    await client.get("/api/v1/users/67890")

    assert sample("payam_http_requests_total", **labels) == before + 2
    assert (
        sample(
            "payam_http_request_duration_seconds_count",
            method="GET",
            route="/api/v1/users/{user_id}",
        )
        >= 2
    )


async def test_a_parametrized_route_shows_in_the_scrape_by_template(
    app_and_probe: tuple[FastAPI, BackgroundProbe],
) -> None:
    app, _ = app_and_probe
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://testserver"
    ) as client:
        await client.get("/api/v1/users/31337")
        scrape = await client.get("/metrics")

    assert scrape.status_code == 200
    assert scrape.headers["content-type"].startswith("text/plain; version=0.0.4")
    assert (
        'payam_http_requests_total{method="GET",route="/api/v1/users/{user_id}",status="200"}'
        in scrape.text
    )
    assert "31337" not in scrape.text


async def test_requests_no_route_matched_share_one_label(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "unmatched", "status": "404"}
    before = sample("payam_http_requests_total", **labels)

    await client.get("/no/such/path/1")
    await client.get("/no/such/path/2")

    assert sample("payam_http_requests_total", **labels) == before + 2


async def test_validation_errors_and_wrong_methods_keep_the_template(
    client: httpx.AsyncClient,
) -> None:
    template = "/api/v1/users/{user_id}"
    before_422 = sample("payam_http_requests_total", method="GET", route=template, status="422")
    before_405 = sample("payam_http_requests_total", method="POST", route=template, status="405")

    assert (await client.get("/api/v1/users/not-a-number")).status_code == 422
    assert (await client.post("/api/v1/users/1")).status_code == 405

    assert sample("payam_http_requests_total", method="GET", route=template, status="422") == (
        before_422 + 1
    )
    assert sample("payam_http_requests_total", method="POST", route=template, status="405") == (
        before_405 + 1
    )


async def test_mounted_apps_get_the_full_template(client: httpx.AsyncClient) -> None:
    labels = {"method": "GET", "route": "/sub/things/{thing}", "status": "200"}
    before = sample("payam_http_requests_total", **labels)

    assert (await client.get("/sub/things/lamp")).status_code == 200

    assert sample("payam_http_requests_total", **labels) == before + 1


async def test_unknown_methods_do_not_create_new_label_values(client: httpx.AsyncClient) -> None:
    before = sample("payam_http_requests_total", method="OTHER", route="unmatched", status="404")

    await client.request("BREW", "/coffee")

    assert (
        sample("payam_http_requests_total", method="OTHER", route="unmatched", status="404")
        == before + 1
    )


async def test_an_exception_is_counted_and_left_to_the_app(
    client: httpx.AsyncClient, logs: pytest.CaptureFixture[str]
) -> None:
    before = sample("payam_http_exceptions_total", method="GET", route="/boom")
    before_500 = sample("payam_http_requests_total", method="GET", route="/boom", status="500")

    response = await client.get("/boom", headers={"X-Request-ID": "crash-1"})

    assert response.status_code == 500
    assert sample("payam_http_exceptions_total", method="GET", route="/boom") == before + 1
    assert (
        sample("payam_http_requests_total", method="GET", route="/boom", status="500")
        == before_500 + 1
    )
    records = json_lines(logs.readouterr().out)
    (access,) = [r for r in records if r["event"] == "http_request"]
    assert access["status"] == 500
    assert access["level"] == "error"
    assert access["error"] == "RuntimeError"
    assert access["request_id"] == "crash-1"


async def test_the_exception_reaches_the_server(
    app_and_probe: tuple[FastAPI, BackgroundProbe],
) -> None:
    app, _ = app_and_probe
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://testserver"
    ) as client:
        with pytest.raises(RuntimeError, match="the handler failed"):
            await client.get("/boom")


async def test_handled_errors_are_not_counted_as_exceptions(client: httpx.AsyncClient) -> None:
    before = sample("payam_http_exceptions_total", method="GET", route="unmatched")

    await client.get("/no/such/path")

    assert sample("payam_http_exceptions_total", method="GET", route="unmatched") == before


async def test_streaming_responses_pass_through_unbuffered(client: httpx.AsyncClient) -> None:
    async with client.stream("GET", "/stream") as response:
        chunks = [chunk async for chunk in response.aiter_text()]

    assert "".join(chunks) == "chunk0\nchunk1\nchunk2\n"
    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])


async def test_background_tasks_run_in_the_request_context_but_off_the_clock(
    client: httpx.AsyncClient, app_and_probe: tuple[FastAPI, BackgroundProbe]
) -> None:
    _, probe = app_and_probe
    labels = {"method": "GET", "route": "/background"}
    count_before = sample("payam_http_request_duration_seconds_count", **labels)
    sum_before = sample("payam_http_request_duration_seconds_sum", **labels)

    response = await client.get("/background", headers={"X-Request-ID": "bg-1"})

    assert response.status_code == 200
    assert probe.request_id == "bg-1"
    assert sample("payam_http_request_duration_seconds_count", **labels) == count_before + 1
    assert sample("payam_http_request_duration_seconds_sum", **labels) - sum_before < (
        BACKGROUND_SECONDS
    )


async def test_websockets_get_a_request_id_only() -> None:
    app = FastAPI()

    @app.websocket("/ws")
    async def echo_id(websocket: WebSocket) -> None:
        await websocket.accept()
        await websocket.send_json(
            {
                "state": websocket.state.request_id,
                "context": structlog.contextvars.get_contextvars().get("request_id"),
            }
        )
        await websocket.close()

    app.add_middleware(RequestContextMiddleware)
    incoming: list[Message] = [{"type": "websocket.connect"}, {"type": "websocket.disconnect"}]
    sent: list[Message] = []

    async def receive() -> Message:
        return incoming.pop(0)

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "websocket",
        "asgi": {"version": "3.0"},
        "scheme": "ws",
        "path": "/ws",
        "raw_path": b"/ws",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), (b"x-request-id", b"ws-1")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "subprotocols": [],
    }
    await app(scope, receive, send)

    assert [m["type"] for m in sent] == ["websocket.accept", "websocket.send", "websocket.close"]
    assert json.loads(sent[1]["text"]) == {"state": "ws-1", "context": "ws-1"}


async def test_other_scopes_pass_through_untouched() -> None:
    seen: list[Scope] = []

    async def inner(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope)

    async def receive() -> Message:
        raise AssertionError("not expected to be called")

    async def send(message: Message) -> None:
        raise AssertionError("not expected to be called")

    scope: Scope = {"type": "lifespan", "asgi": {"version": "3.0"}}
    await RequestContextMiddleware(inner)(scope, receive, send)

    assert seen == [{"type": "lifespan", "asgi": {"version": "3.0"}}]
