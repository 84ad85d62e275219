"""What make run prints last: the address to open and the first admin's sign-in."""

from __future__ import annotations

import asyncio

import pytest

from payam.app import create_app
from payam.runtime import Runtime
from payam.web.announce import banner, wait_until_healthy
from tests.support import free_port, served

URL = "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("note", "sign_in"),
    [
        (
            "Created super admin boss@example.com with the password Xq7-kP2 "
            "(shown once: change it after signing in).",
            "Sign in as boss@example.com with the password Xq7-kP2 (shown once: change it).",
        ),
        (
            "Created super admin boss@example.com (password from PAYAM_ADMIN_PASSWORD).",
            "Sign in as boss@example.com with the password in PAYAM_ADMIN_PASSWORD.",
        ),
        (
            "A super admin already exists.",
            "Sign in as boss@example.com (PAYAM_ADMIN_EMAIL) with the password printed when it "
            "was created.",
        ),
    ],
)
def test_the_banner_names_the_address_and_the_sign_in(note: str, sign_in: str) -> None:
    lines = banner(URL, note, "boss@example.com").splitlines()

    assert "  Payam is running: open http://127.0.0.1:8000/" in lines
    assert f"  {sign_in}" in lines
    assert "  API docs: http://127.0.0.1:8000/api/docs. Stop with Ctrl+C." in lines


async def test_it_waits_for_a_server_that_answers(runtime: Runtime) -> None:
    async with served(create_app(runtime=runtime)) as address:
        assert await asyncio.to_thread(wait_until_healthy, f"http://{address}", timeout_seconds=30)


def test_it_gives_up_on_a_server_that_never_answers() -> None:
    assert not wait_until_healthy(f"http://127.0.0.1:{free_port()}", timeout_seconds=0.5)
