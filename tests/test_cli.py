"""The `payam` command as an operator runs it: a real process, a real SQLite file, real HTTP."""

from __future__ import annotations

import os
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

PAYAM = Path(sys.executable).with_name("payam")
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


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_help_explains_each_command(place: Place) -> None:
    result = place.run("--help")
    serve_help = place.run("serve", "--help")

    assert result.returncode == 0
    for command in ("serve", "migrate", "create-admin"):
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
    assert admins == [("admin@example.com", "SUPER_ADMIN")]


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
    ],
)
def test_bad_admin_details_exit_1_with_a_one_line_reason(
    migrated: Place, variable: str, value: str, field: str
) -> None:
    result = migrated.run("create-admin", "--if-missing", **{variable: value})

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    [line] = result.stderr.strip().splitlines()
    assert f"{field}:" in line
    with sqlite3.connect(migrated.database) as database:
        assert database.execute("SELECT count(*) FROM users").fetchone() == (0,)


def test_create_admin_before_migrate_says_to_migrate_without_a_traceback(place: Place) -> None:
    result = place.run("create-admin", "--if-missing")

    assert result.returncode == 1
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


def test_serve_answers_over_http_and_the_admin_can_sign_in(migrated: Place) -> None:
    password = _created_password(migrated.run("create-admin", "--if-missing"))
    port = _free_port()
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
        finally:
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
