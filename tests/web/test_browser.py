"""The security headers as a browser applies them: Debian's Chromium, headless, on a real server.

What the policy must allow runs (the app's module script from /assets/, a style element it adds
at run time as Mantine does, Swagger UI on /api/docs); what it must forbid (an inline script) is
refused, and Chromium says so on its console.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from payam.app import create_app
from payam.runtime import Runtime
from tests.support import served

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
VIOLATION = "violates the following Content Security Policy directive"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}")

INDEX = """<!doctype html><html><head><title>untouched</title>
<script type="module" src="/assets/app-5e1f.js"></script>
<script>document.title = "inline ran"</script>
</head><body><div id="root"></div></body></html>
"""
APP = """const style = document.createElement("style");
style.textContent = ":root { --payam-ready: yes }";
document.head.append(style);
const ready = getComputedStyle(document.documentElement).getPropertyValue("--payam-ready");
document.getElementById("root").textContent = `rendered ${location.pathname} ${ready.trim()}`;
"""


async def _dom_and_console(url: str, profile: Path) -> tuple[str, str]:
    """The page's DOM once its scripts ran, and what Chromium logged (its console included)."""
    browser = await asyncio.create_subprocess_exec(
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        "--dump-dom",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        dom, log = await asyncio.wait_for(browser.communicate(), timeout=90)
    finally:
        if browser.returncode is None:
            browser.kill()
            await browser.wait()
    return dom.decode(), log.decode(errors="replace")


async def test_the_app_runs_and_inline_scripts_do_not(
    runtime: Runtime, dist: Path, tmp_path: Path
) -> None:
    (dist / "index.html").write_text(INDEX)
    (dist / "assets" / "app-5e1f.js").write_text(APP)

    async with served(create_app(runtime=runtime)) as address:
        dom, console = await _dom_and_console(f"http://{address}/campaigns/7", tmp_path)

    assert "rendered /campaigns/7 yes" in dom
    assert "<title>untouched</title>" in dom
    assert f"{VIOLATION} 'script-src 'self''" in console
    assert "style-src" not in console


async def test_the_api_docs_render_without_a_violation(runtime: Runtime, tmp_path: Path) -> None:
    async with served(create_app(runtime=runtime)) as address:
        dom, console = await _dom_and_console(f"http://{address}/api/docs", tmp_path)

    assert 'class="title"' in dom
    assert "Payam" in dom
    assert "/api/v1/auth/login" in dom
    assert VIOLATION not in console
