"""Security headers on what payam serve answers: the web app, the API, the docs page."""

from __future__ import annotations

import re

import httpx
import pytest

from payam.app import create_app
from payam.runtime import Runtime
from tests.support import served

HSTS = "Strict-Transport-Security"


def _policy(response: httpx.Response) -> dict[str, str]:
    parts = response.headers["content-security-policy"].split(";")
    return {name: value for name, _, value in (part.strip().partition(" ") for part in parts)}


@pytest.mark.parametrize(
    "path",
    ["/", "/campaigns/7", "/assets/index-3f2a9c.js", "/healthz", "/api/v1/users/me", "/api/docs"],
)
async def test_every_answer_carries_the_headers(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    policy = _policy(response)
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"
    assert policy["frame-ancestors"] == "'none'"
    assert policy["object-src"] == "'none'"
    assert policy["style-src"] == "'self' 'unsafe-inline'"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "same-origin"


async def test_refusals_carry_them_too(client: httpx.AsyncClient) -> None:
    too_big = await client.post("/api/v1/auth/login", content=b"x" * (2 * 1024 * 1024))
    missing = await client.get("/api/v1/nothing")

    for response in (too_big, missing):
        assert response.status_code in (404, 413)
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]


async def test_the_docs_page_runs_no_inline_script(client: httpx.AsyncClient) -> None:
    page = await client.get("/api/docs")

    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page.text, flags=re.DOTALL)
    assert len(scripts) == 2
    assert all(' src="' in attributes and body == "" for attributes, body in scripts)
    sources = [re.search(r' src="([^"]+)"', attributes)[1] for attributes, _ in scripts]  # type: ignore[index]
    for source in sources:
        script = await client.get(source)
        assert script.status_code == 200, source
        assert "javascript" in script.headers["content-type"]
    start = await client.get(sources[1])
    assert "SwaggerUIBundle(" in start.text
    assert 'data-openapi-url="/api/v1/openapi.json"' in page.text


async def test_hsts_only_over_https(runtime: Runtime) -> None:
    app = create_app(runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as plain:
        over_http = await plain.get("/")
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver") as secure:
        over_https = await secure.get("/")

    assert HSTS not in over_http.headers
    assert over_https.headers[HSTS] == "max-age=31536000"


@pytest.mark.parametrize(("trusted", "hsts"), [("127.0.0.1", True), ("10.20.30.40", False)])
async def test_hsts_behind_a_proxy_only_when_the_proxy_is_trusted(
    runtime: Runtime, trusted: str, hsts: bool
) -> None:
    """The proxy ends TLS and says so in X-Forwarded-Proto; believed only from a trusted one."""
    async with (
        served(create_app(runtime=runtime), forwarded_allow_ips=trusted) as address,
        httpx.AsyncClient(base_url=f"http://{address}") as proxy,
    ):
        forwarded = await proxy.get("/", headers={"X-Forwarded-Proto": "https"})
        direct = await proxy.get("/")

    assert (HSTS in forwarded.headers) is hsts
    assert HSTS not in direct.headers
