"""The API under 100 concurrent clients, beside a bare FastAPI app running the same SQL.

Run: ``.venv/bin/python bench/api_bench.py [--database-url URL] [--workers 1 2]`` (default a
temporary SQLite file). It needs ``wrk`` (Debian: ``apt install wrk``) as the load generator: a
C program, so the client's cost stays small beside the servers'.

It drops every table in the database, migrates it, and makes 100 users with 20 campaigns, two
sandbox numbers and a subscription each, and a signed-in session for the first. Then it asks
Payam once, in-process, for each route measured and records the SQL statements (and parameters)
the route ran, and starts two servers on loopback: ``payam serve`` (as an operator runs it, with
its embedded worker) and ``bench/api_baseline.py``, a bare FastAPI app that runs the same recorded
statements in one transaction on the same driver and answers their rows as JSON. Each round drives
each route of each server for ``--seconds`` with ``--clients`` connections, alternating
baseline and Payam so that the load other work puts on the machine falls on both, and prints
requests/s, p50 and p99 side by side. ``/healthz`` is measured against the baseline's constant
``/hello``.

``--cpu-requests N`` measures instead what each request costs the server: N requests, one after
another, per route and server, and the CPU time the server's processes spent meanwhile (from
``/proc``), in ms per request beside the baseline's. On a machine others load too, CPU time is
a steadier figure than requests/s, and it needs no ``wrk``.

``--in-process-requests N`` measures both apps inside this process instead (httpx's ASGI
transport, no server, no access log, no embedded worker): N requests a route and app, the apps
alternated ``--rounds`` times, the median CPU time per request of each. What a route costs
Payam beyond its SQL, with the least noise from the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from api_baseline import create_app as create_baseline_app
from dispatch_bench import prepare
from sqlalchemy import event

from payam.app import create_app
from payam.auth.tokens import issue_access_token
from payam.billing.subscriptions import SubscriptionService
from payam.config import Settings
from payam.db.session import transaction
from payam.models import (
    AuthSession,
    Campaign,
    CampaignSender,
    CampaignStatus,
    GrantSource,
    Package,
    ProviderName,
    Sender,
    SenderStatus,
    User,
)
from payam.runtime import Runtime

BENCH_DIR = Path(__file__).resolve().parent
VENV_BIN = Path(sys.executable).parent
USERS = 100
CAMPAIGNS_PER_USER = 20
SECRET_KEY = "api-bench-" + "k" * 40
POOL_SIZE = 10


@dataclass(frozen=True)
class Route:
    name: str
    payam_path: str
    baseline_path: str


@dataclass(frozen=True)
class Result:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    failures: int


@dataclass(frozen=True)
class SeededUser:
    user_id: int
    access_token: str
    campaign_ids: list[int]


async def seed(runtime: Runtime, *, users: int = USERS) -> list[SeededUser]:
    """The users, each with its campaigns, numbers, subscription and a signed-in session."""
    seeded: list[SeededUser] = []
    async with transaction(runtime.sessionmaker) as session:
        package = Package(title="bench", price=Decimal(0), duration_days=30, message_limit=10**6)
        session.add(package)
        for u in range(users):
            user = User(
                name=f"Bench {u}",
                username=f"bench{u}",
                email=f"bench{u}@example.com",
                phone=f"+98912{u:07d}",
                password_hash="-",
            )
            session.add(user)
            await session.flush()
            await SubscriptionService(session).extend(user, package, source=GrantSource.ADMIN)
            senders = [
                Sender(
                    user_id=user.id,
                    provider=ProviderName.SANDBOX,
                    display_name=f"n{u}-{s}",
                    phone=f"+98990{u * 2 + s:07d}",
                    status=SenderStatus.CONNECTED,
                    provider_config={},
                )
                for s in range(2)
            ]
            campaigns = [
                Campaign(
                    user_id=user.id,
                    title=f"Campaign {c}",
                    message="سلام {{name|دوست}}",
                    interval_seconds=10,
                    status=CampaignStatus.PAUSED,
                    total_recipients=1000,
                )
                for c in range(CAMPAIGNS_PER_USER)
            ]
            auth_session = AuthSession(id=str(uuid.uuid4()), user_id=user.id)
            session.add_all([*senders, *campaigns, auth_session])
            await session.flush()
            session.add_all(
                CampaignSender(campaign_id=campaign.id, sender_id=sender.id)
                for campaign in campaigns
                for sender in senders
            )
            token = issue_access_token(
                user_id=user.id,
                session_id=auth_session.id,
                signing_key=SECRET_KEY,
                lifetime=timedelta(hours=2),
            )
            seeded.append(SeededUser(user.id, token.token, [c.id for c in campaigns]))
    return seeded


async def record_statements(
    runtime: Runtime, routes: list[Route], token: str
) -> dict[str, list[tuple[str, Any]]]:
    """The SQL each route runs (BEGIN and COMMIT aside), as Payam runs it for this token."""
    recorded: list[tuple[str, Any]] = []

    def listen(_c: Any, _cur: Any, statement: str, parameters: Any, _ctx: Any, _m: bool) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
            recorded.append((statement, parameters))

    app = create_app(runtime.settings, runtime=runtime)
    transport = httpx.ASGITransport(app=app)
    statements: dict[str, list[tuple[str, Any]]] = {}
    # Reads may run on an engine of their own (SQLite's readers, decision 8).
    engines = {runtime.engine.sync_engine, runtime.read_engine.sync_engine}
    for engine in engines:
        event.listen(engine, "before_cursor_execute", listen)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        for route in routes:
            recorded.clear()
            response = await client.get(
                route.payam_path, headers={"Authorization": f"Bearer {token}"}
            )
            response.raise_for_status()
            statements[route.name] = list(recorded)
    for engine in engines:
        event.remove(engine, "before_cursor_execute", listen)
    return statements


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass(frozen=True)
class Served:
    url: str
    pid: int


@contextmanager
def server(command: list[str], *, env: dict[str, str], port: int, log: Path) -> Iterator[Served]:
    """A server process on loopback until the block ends: its base URL and process id."""
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our own servers, from this venv
            command, env={**os.environ, **env}, stdout=output, stderr=subprocess.STDOUT
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            # Minutes, not seconds: on a machine shared with test suites, start-up is slow.
            deadline = time.monotonic() + 300
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited; see {log}")
                try:
                    httpx.get(base_url + "/healthz", timeout=1)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.2)
            yield Served(base_url, process.pid)
        finally:
            process.terminate()
            process.wait(timeout=30)


_LATENCY = re.compile(r"^\s+(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.MULTILINE)
_RATE = re.compile(r"^Requests/sec:\s+([\d.]+)", re.MULTILINE)
_FAILED = re.compile(r"Non-2xx or 3xx responses: (\d+)|Socket errors: .*timeout (\d+)")
_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def drive(url: str, *, token: str, clients: int, seconds: int) -> Result:
    output = subprocess.run(  # noqa: S603 - wrk from PATH, as the docstring says
        [  # noqa: S607
            "wrk",
            "--threads",
            "1",
            "--connections",
            str(clients),
            "--duration",
            f"{seconds}s",
            "--timeout",
            "10s",
            "--latency",
            "--header",
            f"Authorization: Bearer {token}",
            url,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    latency = {int(p): float(v) * _UNIT_MS[unit] for p, v, unit in _LATENCY.findall(output)}
    rate = _RATE.search(output)
    failures = sum(int(a or b or 0) for a, b in _FAILED.findall(output))
    if rate is None or 50 not in latency:
        raise RuntimeError(f"wrk said:\n{output}")
    return Result(float(rate.group(1)), latency[50], latency[99], failures)


def load_average() -> str:
    return " ".join(f"{value:.1f}" for value in os.getloadavg())


async def setup(settings: Settings, routes_for: Any) -> tuple[str, list[Route], dict[str, Any]]:
    await prepare(settings)
    runtime = Runtime.create(settings)
    try:
        first = (await seed(runtime))[0]
        token = first.access_token
        routes = routes_for(first.campaign_ids[0])
        statements = await record_statements(runtime, routes[1:], token)
    finally:
        await runtime.close()
    return token, routes, statements


def build_routes(campaign_id: int) -> list[Route]:
    return [
        Route("healthz", "/healthz", "/hello"),
        Route("campaigns", "/api/v1/campaigns", "/replay/campaigns"),
        Route("campaign", f"/api/v1/campaigns/{campaign_id}", "/replay/campaign"),
        Route("users/me", "/api/v1/users/me", "/replay/users/me"),
        Route("subscriptions/me", "/api/v1/subscriptions/me", "/replay/subscriptions/me"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="default: a temporary SQLite file")
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, nargs="+", default=[1], help="payam serve --workers to measure"
    )
    parser.add_argument(
        "--cpu-requests",
        type=int,
        help="measure the servers' CPU time over this many requests in a row, not wrk's rate",
    )
    parser.add_argument(
        "--in-process-requests",
        type=int,
        help="measure both apps in this process (no server, no access log) over this many "
        "requests a route, alternating them --rounds times: CPU per request",
    )
    arguments = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="payam-api-bench-"))
    database_url = arguments.database_url or f"sqlite+aiosqlite:///{scratch / 'bench.db'}"
    environment = {
        "PAYAM_DATABASE_URL": database_url,
        "PAYAM_SECRET_KEY": SECRET_KEY,
        "PAYAM_DATA_DIR": str(scratch / "data"),
        "PAYAM_LOG_FORMAT": "json",
        # Both servers get the same pool (api_baseline.py), small enough for a shared server.
        "PAYAM_DATABASE_POOL_SIZE": str(POOL_SIZE),
        "PAYAM_DATABASE_POOL_OVERFLOW": "0",
    }
    os.environ.update(environment)
    settings = Settings(_env_file=None)
    token, routes, statements = asyncio.run(setup(settings, build_routes))
    statements_file = scratch / "statements.pickle"
    statements_file.write_bytes(pickle.dumps(statements))
    print(f"database {database_url.split('@')[-1]}, {arguments.clients} clients, ", end="")
    print(f"{arguments.seconds} s per run, statements per route:", end="")
    print(", ".join(f" {name} {len(found)}" for name, found in statements.items()))

    # What api_baseline.py reads, in this process or in its server's.
    baseline_env = {
        "BENCH_DATABASE_URL": database_url,
        "BENCH_STATEMENTS": str(statements_file),
        "BENCH_POOL_SIZE": str(POOL_SIZE),
    }
    if arguments.in_process_requests:
        os.environ.update(baseline_env)
        asyncio.run(
            report_in_process(
                routes,
                settings,
                token=token,
                requests=arguments.in_process_requests,
                rounds=arguments.rounds,
            )
        )
        return

    baseline_port = free_port()
    baseline_command = [
        str(VENV_BIN / "uvicorn"),
        "api_baseline:create_app",
        "--factory",
        "--app-dir",
        str(BENCH_DIR),
        "--port",
        str(baseline_port),
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    results: dict[tuple[str, str], list[Result]] = {}
    with server(
        baseline_command, env=baseline_env, port=baseline_port, log=scratch / "baseline.log"
    ) as baseline:
        baseline_url = baseline.url
        targets: dict[str, Served] = {"baseline": baseline}
        with _payam_servers(arguments.workers, environment, scratch) as payam_servers:
            targets.update(payam_servers)
            if arguments.cpu_requests:
                report_cpu(routes, targets, token=token, requests=arguments.cpu_requests)
                return
            for served in targets.values():  # warm up: imports, pools, caches
                url = served.url
                drive(
                    url + "/healthz" if url != baseline_url else url + "/hello",
                    token=token,
                    clients=10,
                    seconds=1,
                )
            for round_number in range(1, arguments.rounds + 1):
                for route in routes:
                    for target, served in targets.items():
                        path = route.baseline_path if target == "baseline" else route.payam_path
                        result = drive(
                            served.url + path,
                            token=token,
                            clients=arguments.clients,
                            seconds=arguments.seconds,
                        )
                        results.setdefault((route.name, target), []).append(result)
                print(f"round {round_number} done, load average {load_average()}")
    report(routes, list(targets), results)


@contextmanager
def _payam_servers(
    workers: list[int], environment: dict[str, str], scratch: Path
) -> Iterator[dict[str, Served]]:
    servers: dict[str, Served] = {}
    with ExitStack() as stack:
        for count in workers:
            port = free_port()
            command = [str(VENV_BIN / "payam"), "serve", "--port", str(port)]
            command += ["--workers", str(count)]
            log = scratch / f"payam-{count}.log"
            servers[f"payam x{count}"] = stack.enter_context(
                server(command, env=environment, port=port, log=log)
            )
        yield servers


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and every process under it, so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        # The name (field 2) may hold spaces; what follows its closing parenthesis does not.
        fields = text[text.rindex(")") + 2 :].split()
        process = int(stat.parent.name)
        parents[process] = int(fields[1])
        used[process] = (int(fields[11]) + int(fields[12])) / ticks
    tree = {pid}
    grew = True
    while grew:
        children = {child for child, parent in parents.items() if parent in tree} - tree
        tree |= children
        grew = bool(children)
    return sum(used.get(process, 0.0) for process in tree)


def idle_cpu_rate(pid: int, *, seconds: float = 2.0) -> float:
    """CPU seconds per second the server spends asked nothing (its embedded worker polls the
    database): taken off what requests are charged, or a slower run would seem a costlier one."""
    before = cpu_seconds(pid)
    time.sleep(seconds)
    return (cpu_seconds(pid) - before) / seconds


def report_cpu(
    routes: list[Route], targets: dict[str, Served], *, token: str, requests: int
) -> None:
    """Each server's CPU time per request (beyond its idle rate), requests sent one at a time on
    one connection."""
    headers = {"Authorization": f"Bearer {token}"}
    print(f"\nCPU ms per request over {requests} in a row, load average {load_average()}")
    print(f"{'route':<18}" + "".join(f"{target:>14}" for target in targets) + f"{'/ base':>9}")
    for route in routes:
        costs: list[float] = []
        for target, served in targets.items():
            path = route.baseline_path if target == "baseline" else route.payam_path
            with httpx.Client(base_url=served.url, headers=headers, timeout=30) as client:
                client.get(path).raise_for_status()  # warm: a connection, the route's caches
                idle = idle_cpu_rate(served.pid)
                before, started = cpu_seconds(served.pid), time.monotonic()
                for _ in range(requests):
                    client.get(path).raise_for_status()
                used = cpu_seconds(served.pid) - before - idle * (time.monotonic() - started)
                costs.append(used * 1000 / requests)
        ratios = "/".join(f"{cost / costs[0]:.1f}" for cost in costs[1:])
        print(f"{route.name:<18}" + "".join(f"{cost:>14.2f}" for cost in costs) + f"{ratios:>9}")
    print(f"load average {load_average()}")


async def report_in_process(
    routes: list[Route], settings: Settings, *, token: str, requests: int, rounds: int
) -> None:
    """CPU time per request of each app called in this process through httpx's ASGI transport:
    what a route costs without the server, the access log and the embedded worker, which
    moves far less from run to run on a shared machine than a server's CPU time does."""
    runtime = Runtime.create(settings)
    await runtime.start()
    apps = {"baseline": create_baseline_app(), "payam": create_app(runtime=runtime)}
    headers = {"Authorization": f"Bearer {token}"}
    costs: dict[tuple[str, str], list[float]] = {}
    try:
        for _ in range(rounds):
            for route in routes:
                for target, app in apps.items():
                    path = route.baseline_path if target == "baseline" else route.payam_path
                    transport = httpx.ASGITransport(app=app)
                    async with httpx.AsyncClient(
                        transport=transport, base_url="http://bench", headers=headers
                    ) as client:
                        for _ in range(min(requests, 100)):  # warm: pools, caches
                            (await client.get(path)).raise_for_status()
                        started = time.process_time()
                        for _ in range(requests):
                            await client.get(path)
                        used = time.process_time() - started
                    costs.setdefault((route.name, target), []).append(used * 1000 / requests)
    finally:
        await runtime.close()
    print(f"\nCPU ms per request in process, {requests} a route, the median of {rounds} rounds")
    print(f"{'route':<18}{'baseline':>10}{'payam':>10}{'/ base':>8}")
    for route in routes:
        bare = statistics.median(costs[(route.name, "baseline")])
        payam = statistics.median(costs[(route.name, "payam")])
        print(f"{route.name:<18}{bare:>10.2f}{payam:>10.2f}{payam / bare:>8.1f}")
    print(f"load average {load_average()}")


def report(
    routes: list[Route], targets: list[str], results: dict[tuple[str, str], list[Result]]
) -> None:
    print()
    print(f"{'route':<18}{'server':<12}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}", end="")
    print(f"{'failed':>8}{'/ base':>8}")
    for route in routes:
        for target in targets:
            for index, result in enumerate(results[(route.name, target)]):
                base = results[(route.name, "baseline")][index]
                ratio = result.requests_per_second / base.requests_per_second
                print(
                    f"{route.name:<18}{target:<12}{result.requests_per_second:>9.0f}"
                    f"{result.p50_ms:>9.1f}{result.p99_ms:>9.1f}{result.failures:>8}{ratio:>8.2f}"
                )


if __name__ == "__main__":
    main()
