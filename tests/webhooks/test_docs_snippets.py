"""The verification code docs/api.md gives receivers (Python and Node) accepts Payam's signed
deliveries and refuses forged, altered and stale ones."""

from __future__ import annotations

import base64
import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from payam.webhooks.signing import new_secret, signed_headers

GUIDE = Path(__file__).parents[2] / "docs" / "api.md"
BODY = json.dumps({"id": "msg_1", "events": [{"type": "recipient.sent", "data": {"x": "سلام"}}]})


def snippet(title: str, language: str) -> str:
    found = re.search(rf"{title}:\n\n```{language}\n(.*?)```", GUIDE.read_text(), re.DOTALL)
    assert found, f"docs/api.md has no {title} block"
    return found.group(1)


def cases() -> list[tuple[str, dict[str, str], bytes, bool]]:
    secret = new_secret()
    now = int(time.time())
    good = signed_headers(secret, message_id="msg_1", timestamp=now, body=BODY)
    stale = signed_headers(secret, message_id="msg_1", timestamp=now - 600, body=BODY)
    forged = signed_headers(new_secret(), message_id="msg_1", timestamp=now, body=BODY)
    body = BODY.encode()
    return [
        (secret, good, body, True),
        (secret, good, body.replace(b"sent", b"read"), False),
        (secret, stale, body, False),
        (secret, forged, body, False),
    ]


def test_the_python_verification_works() -> None:
    scope: dict[str, Any] = {}
    exec(snippet("Verify in Python", "python"), scope)  # noqa: S102 - our own documentation
    for secret, headers, body, valid in cases():
        assert scope["verify"](secret, headers, body) is valid


@pytest.mark.skipif(shutil.which("node") is None, reason="Node is not installed")
def test_the_node_verification_works(tmp_path: Path) -> None:
    driver = tmp_path / "verify.js"
    driver.write_text(
        snippet("Verify in Node", "js")
        + "\nconst cases = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));\n"
        + "console.log(JSON.stringify(cases.map(([s, h, b]) => verify(s, h, Buffer.from(b, "
        + "'base64')))));\n"
    )
    given = [[s, h, base64.b64encode(b).decode()] for s, h, b, _ in cases()]
    ran = subprocess.run(  # noqa: S603
        ["node", str(driver)],  # noqa: S607
        input=json.dumps(given),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert json.loads(ran.stdout) == [valid for *_, valid in cases()]
