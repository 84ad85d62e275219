"""The published contract, docs/openapi.json, is the schema the code answers by."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from payam import cli
from payam.app import create_app
from payam.config import Settings
from payam.web.contract import CONTRACT_PATH, render_openapi

ROOT = Path(__file__).parents[2]


def test_the_checked_in_schema_is_the_apps(settings: Settings) -> None:
    published = (ROOT / CONTRACT_PATH).read_text(encoding="utf-8")

    if published != render_openapi(create_app(settings)):
        pytest.fail(
            f"{CONTRACT_PATH} is stale: the API changed. Run `make openapi` (and `make client` "
            "for the web app), note breaking changes in docs/changelog.md, and commit the result.",
            pytrace=False,
        )


def test_the_schema_text_is_the_same_on_every_render(settings: Settings) -> None:
    first = render_openapi(create_app(settings))

    assert render_openapi(create_app(settings)) == first
    assert first.endswith("}\n")
    assert not first.endswith("\n\n")
    assert list(json.loads(first)) == sorted(json.loads(first))


def test_payam_openapi_writes_the_contract(tmp_path: Path) -> None:
    written = tmp_path / "openapi.json"

    result = CliRunner().invoke(cli.app, ["openapi", "--output", str(written)])

    assert result.exit_code == 0, result.output
    assert written.read_text(encoding="utf-8") == (ROOT / CONTRACT_PATH).read_text(encoding="utf-8")
