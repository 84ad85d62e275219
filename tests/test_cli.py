"""The `payam` command as an operator runs it: a real process, a real SQLite file, real HTTP."""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from python_calamine import CalamineWorkbook
from typer.testing import CliRunner, Result
from websockets.sync.client import connect as connect_websocket

from payam import cli
from payam.config import Settings
from tests.support import PAYAM, free_port, spawn_worker

GENERATED = re.compile(r"with the password (\S+) \(shown once")


@dataclass(frozen=True)
class Place:
    """Where one test's Payam lives: its own database file and data directory."""

    root: Path

    @property
    def database(self) -> Path:
        return self.root / "payam.db"

    def env(self, **extra: str) -> dict[str, str]:
        # Nothing PAYAM_* leaks in from the shell that runs the tests.
        env = {key: value for key, value in os.environ.items() if not key.startswith("PAYAM_")}
        env.update(
            PAYAM_DATABASE_URL=f"sqlite+aiosqlite:///{self.database}",
            PAYAM_DATA_DIR=str(self.root / "data"),
            **extra,
        )
        return env

    def run(
        self, *args: str, input: str | None = None, **extra: str
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(  # noqa: S603 - our own console script, fixed arguments
            [str(PAYAM), *args],
            env=self.env(**extra),
            # Away from the repository, whose .env would otherwise be read.
            cwd=self.root,
            input=input,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def run_in_process(
        self, monkeypatch: pytest.MonkeyPatch, *args: str, input: str | None = None, **extra: str
    ) -> Result:
        """The same command through the same code, without paying a process start for it.

        Kept for the refusals, which only need the command's own logic; the commands as an
        operator starts them are the tests above that use ``run``.
        """
        for key in [key for key in os.environ if key.startswith("PAYAM_")]:
            monkeypatch.delenv(key)
        for key, value in self.env(**extra).items():
            if key.startswith("PAYAM_"):
                monkeypatch.setenv(key, value)
        monkeypatch.chdir(self.root)
        monkeypatch.setattr(cli, "get_settings", lambda: Settings(_env_file=None))
        return CliRunner().invoke(cli.app, list(args), input=input)


@pytest.fixture
def place(tmp_path: Path) -> Place:
    return Place(tmp_path)


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Each `payam` start costs seconds of imports: migrate once, and copy the file per test.
    template = Place(tmp_path_factory.mktemp("template"))
    result = template.run("migrate")
    assert result.returncode == 0, result.stderr
    return template.database


@pytest.fixture
def migrated(place: Place, migrated_template: Path) -> Place:
    shutil.copyfile(migrated_template, place.database)
    return place


def _created_password(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stderr
    found = GENERATED.search(result.stdout)
    assert found, result.stdout
    return found.group(1)


def test_help_explains_each_command(place: Place) -> None:
    result = place.run("--help")
    serve_help = place.run("serve", "--help")

    assert result.returncode == 0
    for command in ("serve", "worker", "migrate", "create-admin"):
        assert command in result.stdout
    assert "--host" in serve_help.stdout
    assert "--port" in serve_help.stdout


def test_migrate_creates_the_schema_and_is_safe_to_run_again(place: Place) -> None:
    first = place.run("migrate")
    second = place.run("migrate")

    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert "up to date" in second.stdout
    with sqlite3.connect(place.database) as database:
        tables = {row[0] for row in database.execute("SELECT name FROM sqlite_master")}
        versions = database.execute("SELECT version_num FROM alembic_version").fetchall()
    assert {"users", "auth_sessions", "audit_log", "campaigns"} <= tables
    assert len(versions) == 1


def test_create_admin_if_missing_prints_a_generated_password_only_once(migrated: Place) -> None:
    first = migrated.run("create-admin", "--if-missing")
    second = migrated.run("create-admin", "--if-missing")

    password = _created_password(first)
    assert len(password) >= 12
    assert second.returncode == 0
    assert "already exists" in second.stdout
    assert password not in second.stdout + second.stderr
    with sqlite3.connect(migrated.database) as database:
        admins = database.execute("SELECT email, role FROM users").fetchall()
        packages = database.execute("SELECT title, status FROM packages").fetchall()
    assert admins == [("admin@example.com", "SUPER_ADMIN")]
    # Someone trying Payam on a laptop can buy a package at once; only on the first run.
    assert "Starter package on sale" in first.stdout
    assert "package" not in second.stdout
    assert packages == [("Starter", "ACTIVE")]


def test_outside_development_a_first_run_puts_no_package_on_sale(
    migrated: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An operator's catalogue is theirs to make ("test" stands for any environment but
    # development: production's own checks want real SMS and payment settings).
    result = migrated.run_in_process(
        monkeypatch,
        "create-admin",
        "--if-missing",
        PAYAM_ENVIRONMENT="test",
        PAYAM_ADMIN_PASSWORD="a password from the vault",
    )

    assert result.exit_code == 0, result.output
    assert "package" not in result.stdout
    with sqlite3.connect(migrated.database) as database:
        assert database.execute("SELECT count(*) FROM packages").fetchone() == (0,)


def test_create_admin_takes_the_password_from_the_environment(migrated: Place) -> None:
    result = migrated.run(
        "create-admin", "--if-missing", PAYAM_ADMIN_PASSWORD="a password from the vault"
    )

    assert result.returncode == 0, result.stderr
    assert "PAYAM_ADMIN_PASSWORD" in result.stdout
    assert "a password from the vault" not in result.stdout


@pytest.mark.parametrize(
    ("variable", "value", "field"),
    [
        ("PAYAM_ADMIN_PHONE", "123", "phone"),
        ("PAYAM_ADMIN_EMAIL", "not-an-email", "email"),
        ("PAYAM_ADMIN_PASSWORD", "short", "password"),
        ("PAYAM_ADMIN_PASSWORD", "password1", "password"),
    ],
)
def test_bad_admin_details_exit_1_with_a_one_line_reason(
    migrated: Place, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, field: str
) -> None:
    result = migrated.run_in_process(
        monkeypatch, "create-admin", "--if-missing", **{variable: value}
    )

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"{field}:" in line
    with sqlite3.connect(migrated.database) as database:
        assert database.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_create_admin_before_migrate_says_to_migrate_without_a_traceback(
    place: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = place.run_in_process(monkeypatch, "create-admin", "--if-missing")

    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert "payam migrate" in line


def test_create_admin_asks_for_the_password_twice(migrated: Place) -> None:
    details = ("--email", "ops@example.com", "--username", "ops", "--phone", "0912 000 0000")

    created = migrated.run("create-admin", *details, input="a typed passphrase\n" * 2)
    again = migrated.run("create-admin", *details, input="a typed passphrase\n" * 2)

    assert created.returncode == 0, created.stderr
    assert "Created super admin ops@example.com" in created.stdout
    assert again.returncode == 1
    assert "already in use: email" in again.stderr
    assert "Traceback" not in again.stderr


def test_create_admin_refuses_a_common_typed_password(
    migrated: Place, monkeypatch: pytest.MonkeyPatch
) -> None:
    details = ("--email", "ops@example.com", "--username", "ops", "--phone", "0912 000 0000")

    refused = migrated.run_in_process(
        monkeypatch, "create-admin", *details, input="qwertyuiop\n" * 2
    )

    assert refused.exit_code == 1
    assert "password: is one of the most common passwords" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_serve_answers_over_http_and_the_admin_can_sign_in(migrated: Place) -> None:
    password = _created_password(migrated.run("create-admin", "--if-missing"))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log_path = migrated.root / "serve.log"

    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(PAYAM), "serve", "--port", str(port)],
            env=migrated.env(),
            cwd=migrated.root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=base, timeout=5) as http:
                _wait_until_healthy(http, server, log_path)

                signed_in = http.post(
                    "/api/v1/auth/login", json={"login": "admin", "password": password}
                )
                assert signed_in.status_code == 200, signed_in.text
                token = signed_in.json()["access_token"]
                me = http.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
                docs = http.get("/api/docs")
                openapi = http.get("/api/v1/openapi.json")

            assert me.status_code == 200
            assert me.json()["role"] == "SUPER_ADMIN"
            assert me.json()["email"] == "admin@example.com"
            assert docs.status_code == 200
            assert docs.headers["content-type"].startswith("text/html")
            assert openapi.status_code == 200
            assert "/api/v1/auth/login" in openapi.json()["paths"]
            # The live socket is offered compression, as browsers do, and declines it: a zlib
            # pair per socket would double an idle socket's memory.
            with connect_websocket(f"ws://127.0.0.1:{port}/api/v1/ws") as socket:
                assert socket.response is not None
                assert "Sec-WebSocket-Extensions" not in socket.response.headers
        finally:
            _stop(server)


def test_worker_runs_until_sigterm_then_stops_cleanly(migrated: Place) -> None:
    log = migrated.root / "worker.log"
    worker = spawn_worker(migrated.env(), log)
    try:
        deadline = time.monotonic() + 90
        while '"worker_started"' not in log.read_text():
            assert worker.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.2)

        worker.send_signal(signal.SIGTERM)

        assert worker.wait(timeout=30) == 0, log.read_text()
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=5)
    events = [json.loads(line) for line in log.read_text().splitlines() if line.startswith("{")]
    started = next(event for event in events if event["event"] == "worker_started")
    # Without a broker this worker only dispatches: the API's jobs never reach it.
    assert started["jobs"] is False
    assert events[-1]["event"] == "worker_stopped"


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=5)


def _wait_until_healthy(http: httpx.Client, server: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"payam serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            if http.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"payam serve did not become healthy within 90 s:\n{log.read_text()}")


CONSOLE_CODE = re.compile(r"SMS to \+989121234567: your Payam code is (\d{6})")


def test_make_run_story_from_sign_up_to_a_finished_campaign(migrated: Place) -> None:
    """What `make run` promises: one process, nothing else to start, a campaign sent end to end."""
    password = _created_password(migrated.run("create-admin", "--if-missing"))
    port = free_port()
    log_path = migrated.root / "serve.log"
    env = migrated.env(
        PAYAM_ALLOWED_INTERVALS="0,5,10,20",
        PAYAM_SANDBOX_LATENCY_MS="1",
        PAYAM_SANDBOX_DELIVERY_SECONDS="0.2",
        PAYAM_PUBLIC_URL=f"http://127.0.0.1:{port}",
    )
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(PAYAM), "serve", "--port", str(port)],
            env=env,
            cwd=migrated.root,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
                _wait_until_healthy(http, server, log_path)
                _the_story(http, admin_password=password, log_path=log_path)
        finally:
            _stop(server)


def _bearer(http: httpx.Client, login: str, password: str) -> dict[str, str]:
    response = http.post("/api/v1/auth/login", json={"login": login, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def _the_story(http: httpx.Client, *, admin_password: str, log_path: Path) -> None:
    registered = http.post(
        "/api/v1/auth/register",
        json={
            "name": "Sara",
            "username": "sara",
            "email": "sara@example.com",
            "phone": "09121234567",
            "password": "correct horse battery",
        },
    )
    assert registered.status_code == 201, registered.text
    found = CONSOLE_CODE.search(log_path.read_text())
    assert found, "the verification code was not printed on the console"
    verified = http.post(
        "/api/v1/auth/otp/verify",
        json={"purpose": "VERIFY_PHONE", "login": "sara", "code": found.group(1)},
    )
    assert verified.status_code == 200, verified.text
    user = _bearer(http, "sara", "correct horse battery")
    admin = _bearer(http, "admin", admin_password)

    package = http.post(
        "/api/v1/admin/packages",
        json={"title": "Starter", "price": "1000000", "duration_days": 30, "message_limit": 100},
        headers=admin,
    ).json()
    checkout = http.post(
        "/api/v1/payments/checkout", json={"package_id": package["id"]}, headers=user
    ).json()
    paid = http.post(f"{checkout['redirect_url']}/approve", follow_redirects=True)
    assert "Payment successful" in paid.text

    sender = http.post("/api/v1/senders", json={"display_name": "Shop"}, headers=user).json()
    campaign = http.post(
        "/api/v1/campaigns",
        json={
            "title": "Yalda",
            "message": "{{name|دوست}} عزیز، شب یلدا مبارک!",
            "interval_seconds": 0,
            "sender_ids": [sender["id"]],
        },
        headers=user,
    ).json()
    lines = "\n".join(f"0912555{i:04d},مشتری {i}" for i in range(20))
    upload = http.post(
        f"/api/v1/campaigns/{campaign['id']}/imports", json={"text": lines}, headers=user
    )
    assert upload.status_code == 201, upload.text
    mapping = http.put(
        f"/api/v1/imports/{upload.json()['id']}/mapping",
        json={"phone": "col1", "name": "col2", "variables": {}, "has_header": False},
        headers=user,
    )
    assert mapping.status_code == 202, mapping.text
    deadline = time.monotonic() + 60
    while (
        http.get(f"/api/v1/imports/{upload.json()['id']}", headers=user).json()["status"]
        != "COMPLETED"
    ):
        assert time.monotonic() < deadline, "the import did not finish"
        time.sleep(0.2)

    started = http.post(f"/api/v1/campaigns/{campaign['id']}/start", headers=user)
    assert started.status_code == 200, started.text
    while (view := http.get(f"/api/v1/campaigns/{campaign['id']}", headers=user).json())[
        "status"
    ] != "COMPLETED":
        assert time.monotonic() < deadline + 60, view
        time.sleep(0.2)

    assert view["counts"]["total"] == 20
    assert view["counts"]["pending"] == 0
    report = http.get(f"/api/v1/campaigns/{campaign['id']}/export", headers=user)
    assert report.status_code == 200
    rows = report.text.lstrip("\ufeff").splitlines()
    assert rows[0].startswith("phone,name,status")
    assert len(rows) == 21
    workbook = http.get(f"/api/v1/campaigns/{campaign['id']}/export?format=xlsx", headers=user)
    assert workbook.status_code == 200, workbook.text
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(workbook.content)).get_sheet_by_name(
        "recipients"
    )
    assert len(sheet.to_python()) == 21
    # Numbers the simulated WhatsApp does not know are skipped, and cost nothing.
    counts = view["counts"]
    reached = counts["sent"] + counts["delivered"] + counts["read"]
    assert reached + counts["skipped"] == 20
    subscription = http.get("/api/v1/subscriptions/me", headers=user).json()
    assert subscription["messages_used"] == reached


@pytest.mark.parametrize(
    ("environment", "option", "believed"),
    [
        ("production", [], None),
        ("development", [], "127.0.0.1"),
        ("production", ["--forwarded-allow-ips", "10.0.0.5"], "10.0.0.5"),
    ],
)
def test_serve_believes_forwarded_headers_only_from_the_named_proxies(
    monkeypatch: pytest.MonkeyPatch, environment: str, option: list[str], believed: str | None
) -> None:
    """X-Forwarded-For decides the address that rate limits and lockouts count against."""
    settings = Settings(
        _env_file=None,
        environment=environment,
        secret_key="k" * 40,
        sms_provider="kavenegar",
        kavenegar_api_key="key",
        payment_gateways=["zarinpal"],
        zarinpal_merchant_id="merchant",
    )
    served: list[dict[str, Any]] = []
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    monkeypatch.setattr(uvicorn, "run", lambda *_, **options: served.append(options))

    result = CliRunner().invoke(cli.app, ["serve", *option])

    assert result.exit_code == 0, result.output
    [options] = served
    assert options["proxy_headers"] is (believed is not None)
    assert options["forwarded_allow_ips"] == believed


def test_serve_with_two_workers_keeps_a_worker_that_answers_its_supervisor_late(
    settings: Settings, tmp_path: Path
) -> None:
    """A worker process that cannot answer uvicorn's supervisor for 8 s (frozen here; on a busy
    machine, a start-up holding the interpreter lock) is kept, not killed and started again."""
    if settings.is_sqlite:
        pytest.skip("several API processes need PostgreSQL or MariaDB")
    assert settings.secret_key is not None
    port = free_port()
    log_path = tmp_path / "serve.log"
    env = {
        **os.environ,
        "PAYAM_DATABASE_URL": settings.database_url,
        "PAYAM_SECRET_KEY": settings.secret_key.get_secret_value(),
        "PAYAM_DATA_DIR": str(tmp_path),
        "PAYAM_EMBEDDED_WORKER": "false",
        "PAYAM_LOG_FORMAT": "json",
    }
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603 - our own console script, fixed arguments
            [str(PAYAM), "serve", "--port", str(port), "--workers", "2"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
                _wait_until_healthy(http, server, log_path)
                workers = _children(server.pid)
                assert len(workers) == 2, log_path.read_text()
                os.kill(workers[0], signal.SIGSTOP)
                time.sleep(8)
                os.kill(workers[0], signal.SIGCONT)
                time.sleep(2)
                assert _children(server.pid) == workers, log_path.read_text()
                assert http.get("/healthz").status_code == 200
        finally:
            _stop(server)


def _children(pid: int) -> list[int]:
    """The API processes uvicorn's supervisor ``pid`` started (its multiprocessing helper aside)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            command = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        parent = int(text[text.rindex(")") + 2 :].split()[1])
        if parent == pid and b"spawn_main" in command:
            found.append(int(stat.parent.name))
    return sorted(found)
