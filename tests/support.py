"""What tests do over and over, done the way a client of the API does it."""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import func, select

from payam.admin.bootstrap import create_super_admin
from payam.auth.repository import UserRepository
from payam.db.session import transaction
from payam.models import SandboxMessage, UserRole
from payam.runtime import Runtime

if TYPE_CHECKING:  # the fakes take their ports from here
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


async def stop_processes(
    processes: Iterable[subprocess.Popen[bytes]],
    *,
    log: Path | None = None,
    within_seconds: float = 60,
) -> None:
    """SIGTERM, then wait for each to finish what it is doing, off the event loop: the app and
    the fakes a stopping worker still talks to (its last sends, their webhooks) are served in
    it, and a blocking wait would leave the worker waiting on them until its timeouts. One still
    running after ``within_seconds`` is SIGKILLed, and the test fails saying so: a process left
    running would go on writing into this test's database under the next tests."""
    processes = list(processes)
    for process in processes:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGCONT)  # a frozen one could not stop
            process.terminate()
    stuck: list[int] = []
    deadline = time.monotonic() + within_seconds
    for process in processes:
        try:
            await asyncio.to_thread(process.wait, max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            stuck.append(process.pid)
            process.kill()
            await asyncio.to_thread(process.wait)
    if stuck:
        end = tail(log) if log is not None else ""
        raise AssertionError(f"{stuck} still running {within_seconds:g} s after SIGTERM: {end}")


def worker_environment(runtime: Runtime, data_dir: Path) -> dict[str, str]:
    """What a ``payam worker`` of a crash test or drill is started with: the test's database,
    sandbox sends that take a few milliseconds, and short leases, so that a killed worker's
    claims and numbers move on within the test."""
    settings = runtime.settings
    return {
        **os.environ,
        "PAYAM_DATABASE_URL": settings.database_url,
        "PAYAM_DATA_DIR": str(data_dir),
        "PAYAM_SECRET_KEY": "crash-test-secret-key-long-enough-to-sign",
        "PAYAM_ALLOWED_INTERVALS": "0,5,10,20",
        "PAYAM_PACING_JITTER_RATIO": "0",
        "PAYAM_SANDBOX_LATENCY_MS": "3",
        "PAYAM_SANDBOX_NOT_ON_WHATSAPP_RATE": "0",
        "PAYAM_SANDBOX_REPLY_RATE": "0",
        "PAYAM_SANDBOX_DELIVERY_SECONDS": "0.5",
        "PAYAM_SANDBOX_READ_SECONDS": "3600",
        "PAYAM_CLAIM_LEASE_SECONDS": "5",
        "PAYAM_SENDER_LEASE_SECONDS": "5",
        # A worker frozen inside a transaction lets go of its locks as soon (PostgreSQL).
        "PAYAM_DATABASE_IDLE_TRANSACTION_TIMEOUT_SECONDS": "5",
        "PAYAM_RECONCILE_SECONDS": "0.5",
        "PAYAM_DISPATCH_POLL_SECONDS": "0.05",
    }


async def accepted_count(runtime: Runtime) -> int:
    """How many sends the sandbox has accepted, from every process."""
    async with transaction(runtime.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(SandboxMessage)) or 0)


def free_port() -> int:
    """A loopback port nothing listens on (it was free a moment ago)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _answer(value: object) -> object:
    return await value if inspect.isawaitable(value) else value


async def wait_for(
    condition: Callable[[], object],
    *,
    within_seconds: float = 30,
    progress: Callable[[], object] | None = None,
    workers: Iterable[subprocess.Popen[bytes]] = (),
    explain: Callable[[], object] | str = "no progress in time",
    every_seconds: float = 0.1,
) -> None:
    """Until ``condition()`` (a function or a coroutine function) answers something true.

    Fails, saying why (``explain``, or what ``explain()`` answers), when one of ``workers`` dies
    or ``within_seconds`` pass without ``progress()`` answering anything new: a loaded machine
    (other suites, more xdist workers) makes a test slower, not wrong, so the time counts from
    the last progress seen (without ``progress``, from the start). It looks ``every_seconds``:
    a look costs the test's process CPU that the app and the fakes it serves need, so a costly
    look (HTTP requests, several queries) is better made seldom."""
    seen = await _answer(progress()) if progress else None
    deadline = time.monotonic() + within_seconds
    while not await _answer(condition()):
        for worker in workers:
            if worker.poll() is not None:
                why = await _explained(explain)
                raise AssertionError(f"worker {worker.pid} died ({worker.returncode}): {why}")
        if progress and (now := await _answer(progress())) != seen:
            seen, deadline = now, time.monotonic() + within_seconds
        if time.monotonic() > deadline:
            raise AssertionError(await _explained(explain))
        await asyncio.sleep(every_seconds)


async def _explained(explain: Callable[[], object] | str) -> object:
    return explain if isinstance(explain, str) else await _answer(explain())


def tail(log: Path) -> str:
    """The end of a worker's log, for a failure to show."""
    return log.read_text()[-3000:]


async def kill_once_it_sends(
    worker: subprocess.Popen[bytes],
    sent: Callable[[], Awaitable[int]],
    *,
    more_than: int,
    log: Path,
) -> None:
    """SIGKILL ``worker`` once ``sent()`` (a count of sends, from every worker) has grown by
    more than ``more_than``: somewhere in the middle of its work. A worker starting on a loaded
    machine takes a while to import and lease its number: no send for two minutes fails."""
    enough = await sent() + more_than

    async def sent_enough() -> bool:
        return await sent() > enough

    try:
        await wait_for(
            sent_enough,
            within_seconds=120,
            progress=sent,
            workers=[worker],
            explain=lambda: tail(log),
            every_seconds=0.05,
        )
    finally:
        # Killed whatever happened: a worker left running would go on sending from this test's
        # database into the next tests of this process.
        worker.send_signal(signal.SIGKILL)
        worker.wait()
