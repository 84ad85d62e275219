from __future__ import annotations

from pathlib import Path

import pytest

from payam.config import Settings

INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-3f2a9c.js"></script>'
INDEX += '</head><body><div id="root"></div></body></html>\n'


@pytest.fixture
def dist(tmp_path: Path) -> Path:
    """A build as Vite lays it out: index.html, hashed assets, files copied from public/."""
    root = tmp_path / "dist"
    (root / "assets").mkdir(parents=True)
    (root / "index.html").write_text(INDEX)
    (root / "assets" / "index-3f2a9c.js").write_text("console.log('payam')\n")
    (root / "favicon.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>\n")
    return root


@pytest.fixture
def settings(settings: Settings, dist: Path) -> Settings:
    return settings.model_copy(update={"web_dir": dist})
