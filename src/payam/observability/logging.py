"""One log format for the whole process: structlog and stdlib ``logging`` share one renderer.

Call :func:`configure_logging` once at start-up, before the server starts logging. Lines go to
stdout with ``timestamp`` (ISO 8601, UTC), ``level``, ``event``, ``logger`` and whatever was bound
with ``structlog.contextvars`` (``request_id``): one JSON object each for log collectors, or
readable lines for a person at a terminal (``PAYAM_LOG_FORMAT``: ``auto`` picks by whether stdout
is a terminal).
"""

from __future__ import annotations

import logging
import sys
from typing import TextIO

import structlog
import structlog.tracebacks
from structlog.typing import EventDict, Processor

from payam.config import LogFormat

__all__ = ["configure_logging"]

# uvicorn installs its own handlers on these; they must propagate to the root handler instead.
_UVICORN_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access")
# SQLAlchemy's ``echo=True`` adds a plain-text stdout handler to this logger unless it already
# has one; a NullHandler keeps it from doing so while records still propagate to the root.
_SQLALCHEMY_ECHO_LOGGER = "sqlalchemy.engine.Engine"


# Frame locals stay out of logs: they would carry passwords, tokens and codes from the request.
_STRUCTURED_TRACEBACKS = structlog.processors.ExceptionRenderer(
    structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
)


class _PayamHandler(logging.StreamHandler[TextIO]):
    """The root handler :func:`configure_logging` owns, so a second call can find and replace it.

    It writes to ``sys.stdout`` as it is at each record, not as it was when configured: test
    runners (pytest's capsys, per test phase) and ``redirect_stdout`` swap and close streams.
    """

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        # Handler.handle() holds the handler's lock around emit(), so this swap is not racy.
        self.stream = sys.stdout
        super().emit(record)


def _drop_color_message(_: object, __: str, event: EventDict) -> EventDict:
    """uvicorn passes its message again, with terminal colour codes, as an extra: once is enough."""
    event.pop("color_message", None)
    return event


def _shared_processors() -> list[Processor]:
    return [
        # First, so everything bound for the request (request_id) is on every line.
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="timestamp"),
    ]


def configure_logging(log_format: LogFormat = LogFormat.JSON, *, level: str = "INFO") -> None:
    """Route structlog and stdlib logging through one renderer on stdout.

    Safe to call more than once: the previous Payam handler is replaced, not duplicated, and
    handlers others put on the root logger (pytest's capture, for one) are left alone.
    """
    if log_format is LogFormat.AUTO:
        log_format = LogFormat.CONSOLE if sys.stdout.isatty() else LogFormat.JSON
    shared = _shared_processors()
    structlog.configure(
        processors=[
            *shared,
            structlog.stdlib.filter_by_level,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Cached loggers would keep the processors of the first configure() call, which makes
        # re-configuring (and structlog.testing.capture_logs) silently ineffective.
        cache_logger_on_first_use=False,
    )

    final: list[Processor] = [structlog.stdlib.ProcessorFormatter.remove_processors_meta]
    if log_format is LogFormat.JSON:
        final += [_STRUCTURED_TRACEBACKS, structlog.processors.JSONRenderer()]
    else:
        # A plain traceback: the console renderer's default (rich's, when installed) prints
        # frame locals, which carry passwords, tokens and codes.
        final.append(
            structlog.dev.ConsoleRenderer(
                colors=sys.stdout.isatty(), exception_formatter=structlog.dev.plain_traceback
            )
        )

    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder(), _drop_color_message],
        processors=final,
    )
    handler = _PayamHandler()
    handler.setFormatter(formatter)

    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _PayamHandler)]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())

    for name in _UVICORN_LOGGERS:
        uvicorn_logger = logging.getLogger(name)
        uvicorn_logger.handlers.clear()
        uvicorn_logger.propagate = True
    # RequestContextMiddleware writes a richer access line (request_id, route, duration), so
    # uvicorn's own would only double the volume.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO, and some gateways (Kavenegar) put the API key in it.
    logging.getLogger("httpx").setLevel(logging.WARNING)

    # Also drops a plain-text handler an engine created earlier with echo=True already added.
    logging.getLogger(_SQLALCHEMY_ECHO_LOGGER).handlers = [logging.NullHandler()]
