from __future__ import annotations

import contextlib
import io
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from payam.app import create_app
from payam.config import LogFormat, Settings
from payam.observability.logging import configure_logging

from ._support import json_lines, preserved_logging


@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    with preserved_logging():
        yield


def test_structlog_lines_are_json_with_the_bound_request_id(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging()
    with structlog.contextvars.bound_contextvars(request_id="abc123"):
        structlog.stdlib.get_logger("payam.test").info("user_created", user_id=7)

    (record,) = json_lines(capsys.readouterr().out)
    assert record["event"] == "user_created"
    assert record["level"] == "info"
    assert record["logger"] == "payam.test"
    assert record["request_id"] == "abc123"
    assert record["user_id"] == 7
    assert record["timestamp"].endswith("Z")


def test_stdlib_records_go_through_the_same_renderer(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    with structlog.contextvars.bound_contextvars(request_id="r-1"):
        logging.getLogger("uvicorn.error").warning("Started server process [%d]", 42)
        logging.getLogger("sqlalchemy.engine.Engine").warning("SELECT 1")

    uvicorn_line, sqlalchemy_line = json_lines(capsys.readouterr().out)
    assert uvicorn_line["event"] == "Started server process [42]"
    assert uvicorn_line["logger"] == "uvicorn.error"
    assert uvicorn_line["level"] == "warning"
    assert uvicorn_line["request_id"] == "r-1"
    assert "timestamp" in uvicorn_line
    assert sqlalchemy_line["logger"] == "sqlalchemy.engine.Engine"


def test_exceptions_become_a_structured_field(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    try:
        raise ValueError("bad value")
    except ValueError:
        structlog.stdlib.get_logger("payam.test").exception("structlog_failure")
        logging.getLogger("uvicorn.error").exception("stdlib_failure")

    records = json_lines(capsys.readouterr().out)
    assert [r["event"] for r in records] == ["structlog_failure", "stdlib_failure"]
    for record in records:
        assert record["level"] == "error"
        (trace,) = record["exception"]
        assert trace["exc_type"] == "ValueError"
        assert trace["exc_value"] == "bad value"
        assert trace["frames"]


def test_lines_follow_stdout_when_it_is_swapped(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    elsewhere = io.StringIO()
    with contextlib.redirect_stdout(elsewhere):
        structlog.stdlib.get_logger("payam.test").info("redirected")
    structlog.stdlib.get_logger("payam.test").info("back")

    assert [r["event"] for r in json_lines(elsewhere.getvalue())] == ["redirected"]
    assert [r["event"] for r in json_lines(capsys.readouterr().out)] == ["back"]


def test_configuring_twice_does_not_duplicate_lines(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging()
    configure_logging()
    structlog.stdlib.get_logger("payam.test").info("once")
    logging.getLogger("payam.stdlib").warning("once too")

    assert [r["event"] for r in json_lines(capsys.readouterr().out)] == ["once", "once too"]


def test_level_filters_both_kinds_of_logger(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(level="warning")
    structlog.stdlib.get_logger("payam.test").info("hidden")
    logging.getLogger("payam.stdlib").info("hidden too")
    structlog.stdlib.get_logger("payam.test").warning("shown")

    assert [r["event"] for r in json_lines(capsys.readouterr().out)] == ["shown"]


def test_uvicorn_access_lines_are_left_to_the_middleware(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging()
    logging.getLogger("uvicorn.access").info('127.0.0.1 - "GET / HTTP/1.1" 200')

    assert capsys.readouterr().out == ""


def test_console_renderer_for_humans(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.CONSOLE)
    structlog.stdlib.get_logger("payam.test").info("readable", user_id=7)
    logging.getLogger("payam.stdlib").warning("also readable")

    out = capsys.readouterr().out
    lines = out.splitlines()
    assert len(lines) == 2
    assert "readable" in lines[0]
    assert "user_id=7" in lines[0]
    assert "also readable" in lines[1]
    assert not out.lstrip().startswith("{")


def test_sqlalchemy_echo_does_not_add_a_plain_text_handler() -> None:
    configure_logging()
    echo_logger = logging.getLogger("sqlalchemy.engine.Engine")
    assert echo_logger.handlers
    assert all(isinstance(h, logging.NullHandler) for h in echo_logger.handlers)
    assert echo_logger.propagate


async def test_sqlalchemy_echo_lines_are_json(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    configure_logging()
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'echo.db'}", echo=True)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    finally:
        await engine.dispose()

    records = json_lines(capsys.readouterr().out)
    assert any(r["event"] == "SELECT 1" for r in records)
    assert {r["logger"] for r in records} == {"sqlalchemy.engine.Engine"}


class _Terminal(io.StringIO):
    """Standard output as a person's terminal looks to the process."""

    def isatty(self) -> bool:
        return True


def test_auto_writes_json_where_no_person_reads(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.AUTO)
    structlog.stdlib.get_logger("payam.test").info("to_a_collector", user_id=7)

    (record,) = json_lines(capsys.readouterr().out)
    assert record["event"] == "to_a_collector"


def test_auto_writes_readable_lines_on_a_terminal() -> None:
    terminal = _Terminal()
    with contextlib.redirect_stdout(terminal):
        configure_logging(LogFormat.AUTO)
        structlog.stdlib.get_logger("payam.test").info("to_a_person", user_id=7)

    (line,) = terminal.getvalue().splitlines()
    assert "to_a_person" in line
    assert "user_id" in line
    assert not line.startswith("{")


def test_json_is_kept_on_a_terminal_when_asked_for() -> None:
    terminal = _Terminal()
    with contextlib.redirect_stdout(terminal):
        configure_logging(LogFormat.JSON)
        structlog.stdlib.get_logger("payam.test").info("collected")

    (record,) = json_lines(terminal.getvalue())
    assert record["event"] == "collected"


def test_readable_tracebacks_leave_out_frame_locals(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging(LogFormat.CONSOLE)

    def sign_in(password: str) -> None:
        raise ValueError("wrong")

    typed = "-".join(["hunter2", "secret"])  # so the traceback's source lines do not show it
    try:
        sign_in(typed)
    except ValueError:
        structlog.stdlib.get_logger("payam.test").exception("sign_in_failed")

    out = capsys.readouterr().out
    assert "sign_in_failed" in out
    assert "ValueError: wrong" in out
    assert "hunter2-secret" not in out


@pytest.mark.parametrize(
    ("value", "expected"),
    [(None, LogFormat.AUTO), ("json", LogFormat.JSON), ("console", LogFormat.CONSOLE)],
)
def test_payam_log_format_picks_the_format(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: LogFormat
) -> None:
    if value is None:
        monkeypatch.delenv("PAYAM_LOG_FORMAT", raising=False)
    else:
        monkeypatch.setenv("PAYAM_LOG_FORMAT", value)

    assert Settings(_env_file=None).log_format is expected


def test_an_unknown_log_format_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAYAM_LOG_FORMAT", "xml")

    with pytest.raises(ValidationError, match="log_format"):
        Settings(_env_file=None)


def test_the_app_logs_in_the_configured_format(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    create_app(settings.model_copy(update={"log_format": LogFormat.CONSOLE}))
    structlog.stdlib.get_logger("payam.test").info("served")

    (line,) = capsys.readouterr().out.splitlines()
    assert "served" in line
    assert not line.startswith("{")


def test_uvicorns_coloured_copy_of_its_message_is_left_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    configure_logging()
    logging.getLogger("uvicorn.error").info(
        "Started server process [%d]", 42, extra={"color_message": "Started \x1b[36m%d\x1b[0m"}
    )

    (record,) = json_lines(capsys.readouterr().out)
    assert record["event"] == "Started server process [42]"
    assert "color_message" not in record
