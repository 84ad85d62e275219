"""The lines ``make run`` ends with: where to open Payam and how the first admin signs in.

``python -m payam.web.announce URL NOTE`` waits until the server at URL answers ``/healthz``, then
prints them, so they come after the server's start-up lines instead of scrolling away above them.
NOTE is what ``payam create-admin --if-missing`` printed: the generated password, once.
"""

from __future__ import annotations

import re
import sys
import time
import urllib.error
import urllib.request

from payam.config import get_settings

__all__ = ["banner", "wait_until_healthy"]

_GENERATED = re.compile(r"with the password (\S+) \(shown once")
_FROM_SETTING = "PAYAM_ADMIN_PASSWORD"


def banner(url: str, admin_note: str, admin_email: str) -> str:
    generated = _GENERATED.search(admin_note)
    if generated:
        sign_in = f"{admin_email} with the password {generated[1]} (shown once: change it)"
    elif _FROM_SETTING in admin_note:
        sign_in = f"{admin_email} with the password in {_FROM_SETTING}"
    else:
        sign_in = f"{admin_email} (PAYAM_ADMIN_EMAIL) with the password printed when it was created"
    return "\n".join(
        [
            "",
            f"  Payam is running: open {url}/",
            f"  Sign in as {sign_in}.",
            f"  API docs: {url}/api/docs. Stop with Ctrl+C.",
            "",
        ]
    )


def wait_until_healthy(url: str, *, timeout_seconds: float) -> bool:
    """Whether ``url/healthz`` answered 200 before the time ran out."""
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as answer:  # noqa: S310 - http(s) URL make passes
                if answer.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    return False


def main(argv: list[str]) -> None:
    url, admin_note = argv
    # 0.0.0.0 listens everywhere; a browser on this machine opens it as 127.0.0.1.
    url = url.rstrip("/").replace("//0.0.0.0:", "//127.0.0.1:")
    if wait_until_healthy(url, timeout_seconds=120):
        print(banner(url, admin_note, get_settings().admin_email), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
