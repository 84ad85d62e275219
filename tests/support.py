"""What tests do over and over, done the way a client of the API does it."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from payam.admin.bootstrap import create_super_admin
from payam.auth.repository import UserRepository
from payam.db.session import transaction
from payam.models import UserRole
from payam.runtime import Runtime
from tests.fakes.kavenegar import FakeKavenegar
from tests.fakes.smtp import FakeMailbox

PASSWORD = "correct horse battery"
PAYAM = Path(sys.executable).with_name("payam")
# A worker outliving its test (its pytest process killed by a timeout) would go on sending from
# the test database into later tests' campaigns: it is killed when the process that started it
# ends (util-linux's setpriv execs the worker, so its pid is the worker's).
_DIES_WITH_ITS_STARTER = (
    ["setpriv", "--pdeathsig", "KILL", "--"] if shutil.which("setpriv") is not None else []
)
PROBLEM_JSON = "application/problem+json"


def bearer(tokens: dict[str, Any]) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['access_token']}"}


async def register(
    client: httpx.AsyncClient,
    *,
    name: str = "Sara Ahmadi",
    username: str = "sara",
    email: str = "sara@example.com",
    phone: str = "09121234567",
    password: str = PASSWORD,
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/auth/register",
        json={
            "name": name,
            "username": username,
            "email": email,
            "phone": phone,
            "password": password,
        },
    )
    assert response.status_code == 201, response.text
    user: dict[str, Any] = response.json()
    return user


async def login(
    client: httpx.AsyncClient, login: str = "sara", password: str = PASSWORD
) -> dict[str, Any]:
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    tokens: dict[str, Any] = response.json()
    return tokens


async def signed_up(
    client: httpx.AsyncClient, **fields: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Register a user and sign it in; returns the user and its tokens."""
    user = await register(client, **fields)
    tokens = await login(client, user["username"], fields.get("password", PASSWORD))
    return user, tokens


async def signed_in_headers(client: httpx.AsyncClient, **fields: str) -> dict[str, str]:
    """Register a user (Sara unless told otherwise) and sign it in; its Authorization header."""
    _, tokens = await signed_up(client, **fields)
    return bearer(tokens)


async def verify_contacts(
    client: httpx.AsyncClient,
    kavenegar: FakeKavenegar,
    mailbox: FakeMailbox,
    *,
    login: str = "sara",
    sms_to: str = "09121234567",
    email: str = "sara@example.com",
) -> None:
    """Prove the account holds its phone (with the code sent at sign-up) and its e-mail."""
    phone = await client.post(
        "/api/v1/auth/otp/verify",
        json={"purpose": "VERIFY_PHONE", "login": login, "code": kavenegar.last_code_to(sms_to)},
    )
    asked = await client.post(
        "/api/v1/auth/otp/request", json={"purpose": "VERIFY_EMAIL", "login": login}
    )
    email_code = mailbox.last_code_to(email)
    mail = await client.post(
        "/api/v1/auth/otp/verify",
        json={"purpose": "VERIFY_EMAIL", "login": login, "code": email_code},
    )
    assert phone.status_code == mail.status_code == 200, phone.text + mail.text
    assert asked.status_code == 202


async def signed_in_admin(
    client: httpx.AsyncClient,
    runtime: Runtime,
    *,
    role: UserRole = UserRole.SUPER_ADMIN,
    username: str = "boss",
    phone: str = "09350000001",
) -> dict[str, Any]:
    """An admin made the way `payam create-admin` makes one, then signed in over HTTP."""
    async with transaction(runtime.sessionmaker) as session:
        admin = await create_super_admin(
            session,
            runtime.settings,
            email=f"{username}@example.com",
            password=PASSWORD,
            name="The Boss",
            username=username,
            phone=phone,
        )
        admin.role = role
    return await login(client, username)


async def set_role(runtime: Runtime, username: str, role: UserRole) -> None:
    async with transaction(runtime.sessionmaker) as session:
        user = await UserRepository(session).get_by_username(username)
        assert user is not None
        user.role = role


def problem_fields(response: httpx.Response) -> list[str | None]:
    """The fields a problem+json answer names, after checking it is one."""
    assert response.headers["content-type"].startswith(PROBLEM_JSON), response.text
    body = response.json()
    assert body["status"] == response.status_code
    return [error["field"] for error in body["errors"]]


def _listening_socket() -> socket.socket:
    # Bound and listening before uvicorn starts: a client that connects first waits in the
    # backlog instead of failing, so there is no "has it started yet?" to poll for.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(4096)
    return sock


@asynccontextmanager
async def served(app: FastAPI, *, forwarded_allow_ips: str | None = None) -> AsyncIterator[str]:
    """The app on a real uvicorn server on loopback, in this event loop; yields host:port.

    For what the in-process transport cannot show: WebSockets, and responses that arrive a
    piece at a time (httpx's ASGI transport hands over a body only once it is complete).
    ``forwarded_allow_ips`` names the proxies whose X-Forwarded-* headers uvicorn believes, as
    ``payam serve`` is told (uvicorn's default, loopback, when None).
    """
    sock = _listening_socket()
    host, port = sock.getsockname()
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=False,
        forwarded_allow_ips=forwarded_allow_ips,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"{host}:{port}"
    finally:
        server.should_exit = True
        await task


def spawn_worker(environment: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    """``payam worker`` as an operator starts it, its output appended to ``log``.

    It runs in the log's directory, away from the repository, whose .env it would otherwise read.
    """
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own console script
            [*_DIES_WITH_ITS_STARTER, str(PAYAM), "worker"],
            cwd=log.parent,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
