"""The guide "Drive Payam from your own system" in docs/api.md works as written.

Its code blocks are run as a developer would paste them (bash with curl and jq, Python with
httpx) against Payam on a real loopback server: create a key, then create, fill and start a
campaign with it.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from payam.app import create_app
from payam.config import Settings
from payam.jobs import embedded_worker
from payam.runtime import Runtime
from tests.campaign_support import grant_messages, link_sender
from tests.support import PASSWORD, served, signed_up

API_MD = Path(__file__).parents[2] / "docs" / "api.md"
GUIDE = "## Drive Payam from your own system"

pytestmark = pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="the guide's shell uses curl and jq"
)


def _block(heading: str, language: str) -> str:
    """The first ``language`` code block under the guide's ``### heading``."""
    text = API_MD.read_text(encoding="utf-8")
    guide = text[text.index(GUIDE) :]
    following = guide.find("\n## ", len(GUIDE))
    guide = guide if following < 0 else guide[:following]
    start = guide.index(f"\n### {heading}\n") + 1
    end = guide.find("\n### ", start)
    section = guide[start : end if end >= 0 else None]
    found = re.search(rf"^```{language}\n(.*?)^```$", section, flags=re.MULTILINE | re.DOTALL)
    assert found, f"no {language} block under {heading!r}"
    return found[1]


@pytest.fixture
def jobs(settings: Settings, runtime: Runtime) -> Iterator[None]:
    """Imports run in the background, as when Payam runs embedded."""
    with embedded_worker(settings):
        yield


async def _run(
    program: list[str], code: str, cwd: Path, **environment: str
) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        *program,
        cwd=cwd,
        env={**os.environ, **environment},
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(code.encode()), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


@pytest.mark.usefixtures("jobs")
async def test_the_guide_creates_a_key_and_starts_campaigns_with_it(
    client: httpx.AsyncClient, runtime: Runtime, tmp_path: Path
) -> None:
    user, tokens = await signed_up(client)
    await grant_messages(runtime, user["id"], 10)
    await link_sender(client, {"Authorization": f"Bearer {tokens['access_token']}"})
    key_shell = _block("Create a key", "sh")
    python = _block("Start a campaign from Python", "python")
    campaign_shell = _block("The same with curl", "sh")

    async with served(create_app(runtime=runtime)) as address:
        url = f"http://{address}"
        status, out, err = await _run(
            ["bash", "-euo", "pipefail"],
            f'{key_shell}\necho "$PAYAM_KEY"\n',
            tmp_path,
            PAYAM_URL=url,
            PAYAM_LOGIN=user["username"],
            PAYAM_PASSWORD=PASSWORD,
        )
        assert status == 0, err
        key = out.strip().splitlines()[-1]
        assert key.startswith("pyk_")

        status, out, err = await _run(
            [sys.executable, "-"], python, tmp_path, PAYAM_URL=url, PAYAM_KEY=key
        )
        assert status == 0, err
        assert out.split()[-1] == "RUNNING"

        status, out, err = await _run(
            ["bash", "-euo", "pipefail"], campaign_shell, tmp_path, PAYAM_URL=url, PAYAM_KEY=key
        )
        assert status == 0, err
        assert out.strip().splitlines()[-1] == "RUNNING"

    campaigns = await client.get(
        "/api/v1/campaigns", headers={"Authorization": f"Bearer {tokens['access_token']}"}
    )
    assert {c["status"] for c in campaigns.json()["items"]} == {"RUNNING"}
    assert len(campaigns.json()["items"]) == 2
