"""payam serve serves the built web app at / beside the API, as a browser asks for it."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from payam.app import create_app
from payam.config import Settings
from payam.runtime import Runtime
from tests.support import PROBLEM_JSON
from tests.web.conftest import INDEX

IMMUTABLE = "public, max-age=31536000, immutable"


@pytest.mark.parametrize("path", ["/", "/campaigns", "/campaigns/12/recipients", "/sign-in"])
async def test_the_apps_routes_open_the_app(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text == INDEX
    assert response.headers["cache-control"] == "no-cache"


async def test_hashed_assets_are_cached_for_a_year(client: httpx.AsyncClient) -> None:
    response = await client.get("/assets/index-3f2a9c.js")

    assert response.status_code == 200
    assert response.text == "console.log('payam')\n"
    assert "javascript" in response.headers["content-type"]
    assert response.headers["cache-control"] == IMMUTABLE


async def test_other_files_of_the_build_are_checked_on_each_use(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/favicon.svg")

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-cache"


async def test_the_index_answers_not_modified_to_a_browser_that_has_it(
    client: httpx.AsyncClient,
) -> None:
    first = await client.get("/campaigns")

    again = await client.get("/campaigns", headers={"If-None-Match": first.headers["etag"]})

    assert again.status_code == 304
    assert again.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize(
    "path",
    [
        "/assets/index-000000.js",  # an old build's file: the app must not get HTML for it
        "/assets/missing",
        "/logo.png",
        "/campaigns/12/report.csv",
        "/%2e%2e/secret.txt",
    ],
)
async def test_missing_files_are_404s_not_the_app(
    client: httpx.AsyncClient, dist: Path, path: str
) -> None:
    (dist.parent / "secret.txt").write_text("outside the build")

    response = await client.get(path)

    assert response.status_code == 404
    assert response.text != INDEX
    assert "outside the build" not in response.text


@pytest.mark.parametrize(
    "path", ["/api", "/api/v1", "/api/v1/no-such-thing", "/api/nothing", "/healthz/x", "/metrics/x"]
)
async def test_the_apis_paths_never_fall_back_to_the_app(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path)

    assert response.status_code == 404
    assert response.headers["content-type"] == PROBLEM_JSON


async def test_the_api_and_the_servers_own_routes_are_untouched(
    client: httpx.AsyncClient,
) -> None:
    health = await client.get("/healthz")
    metrics = await client.get("/metrics")
    schema = await client.get("/api/v1/openapi.json")

    assert health.status_code == 200
    assert health.json()["status"] == "ok"
    assert metrics.headers["content-type"].startswith("text/plain")
    assert schema.json()["info"]["title"] == "Payam"


async def test_only_reads_reach_the_app(client: httpx.AsyncClient) -> None:
    head = await client.head("/campaigns")
    post = await client.post("/campaigns")

    assert head.status_code == 200
    assert post.status_code == 405


async def test_without_a_build_the_root_says_how_to_make_one(
    settings: Settings, runtime: Runtime, tmp_path: Path
) -> None:
    missing = tmp_path / "not-built"
    app = create_app(settings.model_copy(update={"web_dir": missing}), runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        root = await client.get("/")
        asset = await client.get("/assets/index-3f2a9c.js")
        health = await client.get("/healthz")

    assert root.status_code == 503
    assert root.headers["content-type"].startswith("text/html")
    assert "make run" in root.text
    assert "npm run build" in root.text
    assert str(missing) in root.text
    assert asset.status_code == 404
    assert health.status_code == 200


async def test_the_apps_routes_never_become_metric_labels(client: httpx.AsyncClient) -> None:
    """The app's paths are the visitors' to choose: as labels they would grow without end."""
    await client.get("/campaigns/visitor-chosen-4821/recipients")

    metrics = (await client.get("/metrics")).text

    # Not the bare number: it can turn up inside a sample's timestamp.
    assert "visitor-chosen" not in metrics
    assert 'route="/campaigns' not in metrics
