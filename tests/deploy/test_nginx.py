"""The scaled deployment of docs/operations.md, run: Debian's nginx with the config in
deploy/nginx/payam.conf (rendered with loopback ports), two `payam serve` processes behind it,
two `payam worker` processes, Redis of the test's own, and a campaign run through it the way a
client would: sign in, a number, an import, the start, progress over the WebSocket, all sent once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import ssl
import string
import subprocess
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from websockets.asyncio.client import connect

from payam.db.session import transaction
from payam.models import SandboxMessage
from payam.runtime import Runtime
from tests.drills.support import own_redis
from tests.support import (
    PASSWORD,
    PAYAM,
    bearer,
    free_port,
    login,
    register,
    spawn_worker,
    stop_processes,
)

NGINX = Path("/usr/sbin/nginx")
OPENSSL = Path("/usr/bin/openssl")
SITE = Path(__file__).parents[2] / "deploy" / "nginx" / "payam.conf"
RECIPIENTS = 40
WAIT = 120.0

pytestmark = pytest.mark.skipif(
    not NGINX.exists() or not OPENSSL.exists(),
    reason="needs Debian's nginx and openssl (apt-get install nginx-light openssl)",
)


def render_site(folder: Path, *, https_port: int, ports: list[int]) -> Path:
    """deploy/nginx/payam.conf with its placeholders filled as an operator's envsubst would,
    and a self-signed certificate for 127.0.0.1."""
    certificate, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - the machine's openssl
        [
            *(str(OPENSSL), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"),
            *("-keyout", str(key), "-out", str(certificate)),
        ],
        check=True,
        capture_output=True,
    )
    servers = " ".join(f"server 127.0.0.1:{port} max_fails=3 fail_timeout=10s;" for port in ports)
    site = string.Template(SITE.read_text()).safe_substitute(
        PAYAM_SERVER_NAME="127.0.0.1",
        PAYAM_HTTP_PORT=str(free_port()),
        PAYAM_HTTPS_PORT=str(https_port),
        PAYAM_TLS_CERTIFICATE=str(certificate),
        PAYAM_TLS_KEY=str(key),
        PAYAM_API_SERVERS=servers,
    )
    assert "${PAYAM_" not in site, "a placeholder the test does not fill"
    rendered = folder / "payam.conf"
    rendered.write_text(site)
    return rendered


@contextlib.contextmanager
def nginx(folder: Path, site: Path) -> Iterator[None]:
    """nginx as an unprivileged process in ``folder`` (as root, its workers stay root: they
    could not read the test's folders as nobody), with the distribution's part of the config
    (events, logs, temporary files) written here and the site included."""
    folder.mkdir()
    user = "user root;" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(
        f"""{user}
daemon off;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{ worker_connections 256; }}
http {{
    access_log {folder}/access.log;
    client_body_temp_path {folder}/body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {site};
}}
"""
    )
    process = subprocess.Popen(  # noqa: S603 - the machine's nginx
        [str(NGINX), "-p", str(folder), "-c", str(folder / "nginx.conf"), "-e", "stderr"],
        stderr=(folder / "stderr.log").open("wb"),
    )
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def start_api(environment: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    """``payam serve`` as deploy/systemd/payam-api@.service starts it."""
    with log.open("ab") as output:
        return subprocess.Popen(  # noqa: S603 - our own console script
            [
                *(str(PAYAM), "serve", "--host", "127.0.0.1", "--port", str(port)),
                *("--forwarded-allow-ips", "127.0.0.1"),
            ],
            cwd=log.parent,
            env=environment,
            stdout=output,
            stderr=subprocess.STDOUT,
        )


async def answering(
    url: str, processes: list[subprocess.Popen[bytes]], *, tls: ssl.SSLContext | None = None
) -> None:
    """Until ``url`` answers 200 (a loaded machine starts a process slowly)."""
    deadline = time.monotonic() + WAIT
    async with httpx.AsyncClient(verify=tls or True, trust_env=False) as client:
        while True:
            assert all(process.poll() is None for process in processes), "a process died"
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(url)).status_code == 200:
                    return
            assert time.monotonic() < deadline, f"{url} never answered"
            await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def running(processes: list[subprocess.Popen[bytes]]) -> AsyncIterator[None]:
    try:
        yield
    finally:
        await stop_processes(processes)


def payam(environment: dict[str, str], folder: Path, *arguments: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own console script
        [str(PAYAM), *arguments], cwd=folder, env=environment, capture_output=True, check=True
    )
    return done.stdout.decode()


async def test_a_campaign_runs_through_nginx_two_api_processes_and_two_workers(
    runtime: Runtime, tmp_path: Path
) -> None:
    api_ports = [free_port(), free_port()]
    https_port = free_port()
    base = f"https://127.0.0.1:{https_port}"
    with own_redis(tmp_path) as redis:
        environment = {
            **os.environ,
            "PAYAM_DATABASE_URL": runtime.settings.database_url,
            "PAYAM_REDIS_URL": redis.url,
            "PAYAM_BROKER_URL": redis.url.removesuffix("/0") + "/1",
            "PAYAM_EMBEDDED_WORKER": "false",
            "PAYAM_DATA_DIR": str(tmp_path / "var"),
            "PAYAM_PUBLIC_URL": base,
            "PAYAM_SECRET_KEY": "deploy-test-secret-key-long-enough-to-sign",
            "PAYAM_ADMIN_PASSWORD": PASSWORD,
            "PAYAM_ALLOWED_INTERVALS": "0,5",
            "PAYAM_SANDBOX_LATENCY_MS": "3",
            "PAYAM_SANDBOX_NOT_ON_WHATSAPP_RATE": "0",
            "PAYAM_SANDBOX_REPLY_RATE": "0",
            "PAYAM_SANDBOX_DELIVERY_SECONDS": "0.2",
            "PAYAM_DISPATCH_POLL_SECONDS": "0.05",
        }
        # An upgrade, as docs/operations.md says: migrations first, then the processes.
        payam(environment, tmp_path, "migrate")
        payam(environment, tmp_path, "create-admin", "--if-missing")
        apis = [start_api(environment, port, tmp_path / f"api-{port}.log") for port in api_ports]
        workers = [spawn_worker(environment, tmp_path / f"worker-{i}.log") for i in range(2)]
        site = render_site(tmp_path, https_port=https_port, ports=api_ports)
        async with running(apis + workers):
            for port in api_ports:
                await answering(f"http://127.0.0.1:{port}/readyz", apis)
            with nginx(tmp_path / "nginx", site):
                # The client trusts the site's certificate, and checks it names 127.0.0.1.
                tls = ssl.create_default_context(cafile=tmp_path / "cert.pem")
                await answering(f"{base}/healthz", apis, tls=tls)
                campaign = await run_a_campaign(base, tls)
                for process in apis + workers:
                    assert process.poll() is None, "a process died"

    # All sent once, through both API processes.
    async with transaction(runtime.sessionmaker) as session:
        sent = Counter((await session.scalars(select(SandboxMessage.recipient_phone))).all())
    assert len(sent) == RECIPIENTS
    assert set(sent.values()) == {1}
    assert campaign["counts"]["total"] == RECIPIENTS
    for port in api_ports:
        assert '"http_request"' in (tmp_path / f"api-{port}.log").read_text(), port


async def run_a_campaign(base: str, tls: ssl.SSLContext) -> dict[str, Any]:
    """Everything a client does, through nginx; the campaign as the WebSocket last showed it."""
    async with httpx.AsyncClient(
        base_url=base,
        verify=tls,
        trust_env=False,
        timeout=WAIT,
    ) as client:
        registered = await register(client)
        sara = bearer(await login(client, "sara"))
        admin = bearer(await login(client, "admin"))
        # HTTPS as nginx told Payam: the trusted proxy's X-Forwarded-Proto.
        me = await client.get("/api/v1/users/me", headers=sara)
        assert "strict-transport-security" in me.headers
        package = await client.post(
            "/api/v1/admin/packages",
            json={"title": "Starter", "price": "0", "duration_days": 30, "message_limit": 1000},
            headers=admin,
        )
        assert package.status_code == 201, package.text
        granted = await client.post(
            f"/api/v1/admin/users/{registered['id']}/subscription-grants",
            json={"package_id": package.json()["id"], "reason": "deployment test"},
            headers=admin,
        )
        assert granted.status_code == 201, granted.text

        sender = await client.post("/api/v1/senders", json={"display_name": "Shop"}, headers=sara)
        assert sender.status_code == 201, sender.text
        created = await client.post(
            "/api/v1/campaigns",
            json={
                "title": "Yalda",
                "message": "سلام {{name}}",
                "interval_seconds": 0,
                "sender_ids": [sender.json()["id"]],
            },
            headers=sara,
        )
        assert created.status_code == 201, created.text
        campaign_id = created.json()["id"]
        rows = "\n".join(f"0912{i:07d},Customer {i}" for i in range(RECIPIENTS))
        uploaded = await client.post(
            f"/api/v1/campaigns/{campaign_id}/imports",
            files={"file": ("list.csv", f"phone,name\n{rows}\n".encode(), "text/csv")},
            headers=sara,
        )
        assert uploaded.status_code == 201, uploaded.text
        preview = uploaded.json()
        mapped = await client.put(
            f"/api/v1/imports/{preview['id']}/mapping", json=preview["mapping"], headers=sara
        )
        assert mapped.status_code == 202, mapped.text
        await imported(client, sara, preview["id"])

        ws_url = base.replace("https://", "wss://") + "/api/v1/ws"
        async with connect(ws_url, ssl=tls, proxy=None, open_timeout=WAIT) as websocket:
            token = sara["Authorization"].removeprefix("Bearer ")
            await websocket.send(json.dumps({"type": "auth", "token": token}))
            assert json.loads(await websocket.recv())["type"] == "snapshot"
            started = await client.post(f"/api/v1/campaigns/{campaign_id}/start", headers=sara)
            assert started.status_code == 200, started.text
            seen = []
            try:
                async with asyncio.timeout(WAIT):
                    while True:
                        event = json.loads(await websocket.recv())
                        seen.append(event)
                        if event.get("campaign_id") == campaign_id and (
                            event.get("status") == "COMPLETED"
                        ):
                            return dict(event)
            except TimeoutError:
                said = f"no word of the campaign's end; the socket said {seen}"
                raise AssertionError(said) from None


async def imported(client: httpx.AsyncClient, headers: dict[str, str], import_id: int) -> None:
    """Until a worker has run the import (it travels through the broker)."""
    deadline = time.monotonic() + WAIT
    while True:
        body = (await client.get(f"/api/v1/imports/{import_id}", headers=headers)).json()
        if body["status"] == "COMPLETED":
            return
        assert body["status"] != "FAILED", body
        assert time.monotonic() < deadline, body
        await asyncio.sleep(0.2)
