"""One async engine per process, tuned per backend."""

from __future__ import annotations

import time
from functools import partial
from pathlib import Path
from typing import Any

import structlog
from sqlalchemy import Connection, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import AsyncAdaptedQueuePool, ConnectionPoolEntry
from sqlalchemy.util import queue

from payam.config import Settings

# Connections that only read, beside SQLite's one writer: in WAL they read side by side, and
# while the writer writes (decision 8). A handful is enough on the machines SQLite is for.
SQLITE_READERS = 4
# A pooled connection idle this long is pinged before use; one back in the pool sooner is used
# as it is. SQLAlchemy's pre-ping checks every checkout, which on PostgreSQL costs three round
# trips (BEGIN, a query, ROLLBACK) per transaction: a quarter of a paced send's statements.
# A connection that died within the second fails its transaction as a disconnect, which
# invalidates the pool; every transaction of ours is retried or refused whole, never half done.
PING_AFTER_IDLE_SECONDS = 1.0
# A pooled connection unused this long is closed (looked for when a connection is given back):
# processes sharing a server's connection limit hand back what they do not need.
CLOSE_AFTER_IDLE_SECONDS = 10.0
# How long a transaction the server has no connection for waits for one of its process's own.
# Briefly: a task may hold one connection while it asks for another, so a process whose every
# connection is held that way would otherwise wait for itself until the pool's timeout.
WAIT_FOR_OWN_CONNECTION_SECONDS = 2.0
# The server refusing a new connection because it has too many: PostgreSQL's SQLSTATE 53300
# (also for a role's or a database's CONNECTION LIMIT), MariaDB's and MySQL's errors 1040 and
# 1203 (max_user_connections).
_TOO_MANY_CONNECTIONS_SQLSTATE = "53300"
_TOO_MANY_CONNECTIONS_MYSQL = {1040, 1203}

logger = structlog.get_logger(__name__)


class ServerBoundPool(AsyncAdaptedQueuePool):
    """The pool of a server shared with other processes, whose connection limit is below what
    all their pools may open (issue 13: two workers wanting 30 each from a role allowed 4).

    - Refused a new connection because the server has too many, a process that holds some waits
      a moment (``WAIT_FOR_OWN_CONNECTION_SECONDS``) for one of its own, as if its pool were
      that size, instead of failing the transaction at once: its work slows down to what its
      connections carry.
    - Taken last in, first out, the connections a process does not need sit unused at the
      bottom of its pool; once idle for ``CLOSE_AFTER_IDLE_SECONDS`` they are closed, so that
      the server's connections go to the processes that need them (a process refused with none
      of its own fails the transaction and tries again, as on any outage).
    """

    _swept_at = 0.0
    _warned_at = -60.0

    def _do_get(self) -> ConnectionPoolEntry:
        try:
            return super()._do_get()
        except Exception as error:
            if not _server_has_too_many_connections(error) or self.checkedout() == 0:
                raise
            self._warn_now_and_then(error)
        wait = min(self._timeout, WAIT_FOR_OWN_CONNECTION_SECONDS)
        try:
            return self._pool.get(True, wait)
        except queue.Empty:
            pass
        raise PoolTimeout(
            f"the database server has no connection left, and none of this process's "
            f"came back within {wait:g} s"
        )

    def _warn_now_and_then(self, error: Exception) -> None:
        """Once a minute at most: under a tight limit this happens many times a second."""
        now = time.monotonic()
        if now - self._warned_at >= 60.0:
            self._warned_at = now
            logger.warning(
                "database_connections_exhausted", error=str(error), in_use=self.checkedout()
            )

    def _do_return_conn(self, record: ConnectionPoolEntry) -> None:
        super()._do_return_conn(record)
        now = time.monotonic()
        if now - self._swept_at >= 1.0:
            self._swept_at = now
            self._close_idle(now)

    def _close_idle(self, now: float) -> None:
        """Close the connections idle too long: the oldest, at the bottom of the LIFO queue."""
        waiting: list[ConnectionPoolEntry] = []
        while True:
            try:
                waiting.append(self._pool.get(False))
            except queue.Empty:
                break
        stale = [
            r for r in waiting if now - r.info.get("checked_in_at", now) >= CLOSE_AFTER_IDLE_SECONDS
        ]
        # ``waiting`` runs from the newest to the oldest: what stays goes back in that order.
        for record in reversed(waiting):
            if record not in stale:
                self._pool.put(record, False)
        for record in stale:
            try:
                record.close()
            finally:
                self._dec_overflow()


def _server_has_too_many_connections(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if getattr(cause, "sqlstate", None) == _TOO_MANY_CONNECTIONS_SQLSTATE:
            return True
        code = cause.args[0] if cause.args else None
        if isinstance(code, int) and code in _TOO_MANY_CONNECTIONS_MYSQL:
            return True
        cause = cause.__cause__
    return False


def _enable_sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite opens a transaction only at the first write, so reads before it see no snapshot
    # and SAVEPOINTs misbehave; taking transactions into our own hands fixes both (see below).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while the worker writes; foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_engine(
    database_url: str,
    *,
    echo: bool = False,
    pool_size: int | None = None,
    pool_overflow: int | None = None,
    pool_timeout_seconds: float = 60.0,
    idle_transaction_timeout_seconds: float = 60.0,
) -> AsyncEngine:
    """``pool_size`` None: the backend's own default (one connection on SQLite, see below);
    ``pool_overflow`` None: 20 over the default pool, none over a pool size given."""
    url = make_url(database_url)
    options: dict[str, Any] = {"echo": echo, "pool_timeout": pool_timeout_seconds}
    if url.get_backend_name() == "sqlite":
        if url.database and url.database != ":memory:":
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # SQLite has one writer. One connection per process makes transactions wait their turn
        # in an in-process queue, handed over at once, instead of in SQLite's busy handler,
        # which polls with sleeps of up to 100 ms (ten times slower under a busy dispatcher).
        options.update(pool_size=pool_size or 1, max_overflow=0)
    else:
        default_overflow = 20 if pool_size is None else 0
        options.update(
            poolclass=ServerBoundPool,
            pool_use_lifo=True,
            pool_size=pool_size or 10,
            max_overflow=default_overflow if pool_overflow is None else pool_overflow,
            pool_recycle=1800,
        )
    if url.get_backend_name() == "postgresql":
        # Our transactions never wait on anything but the database; one idle this long belongs
        # to a process that stopped, and its locks would otherwise stall the others for good.
        timeout_ms = str(int(idle_transaction_timeout_seconds * 1000))
        options["connect_args"] = {
            "server_settings": {"idle_in_transaction_session_timeout": timeout_ms}
        }
    if url.get_backend_name() in {"mysql", "mariadb"}:
        options["isolation_level"] = "READ COMMITTED"
    engine = create_async_engine(url, **options)
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _enable_sqlite_pragmas)
        event.listen(engine.sync_engine, "begin", _begin_immediate)
    else:
        event.listen(engine.sync_engine, "connect", _note_checkin)
        event.listen(engine.sync_engine, "checkin", _note_checkin)
        event.listen(engine.sync_engine, "checkout", _ping_if_idle)
    if url.get_backend_name() in {"mysql", "mariadb"}:
        event.listen(
            engine.sync_engine,
            "connect",
            partial(_end_idle_transactions_on_mariadb, seconds=idle_transaction_timeout_seconds),
        )
    return engine


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    """A connection just opened or given back is known to be alive now."""
    record.info["checked_in_at"] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Ping a connection that sat in the pool (a restarted server closed it); a dead one is
    replaced by the pool, as its pre-ping would."""
    returned = record.info.get("checked_in_at")
    if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
        return
    try:
        dbapi_connection.ping()
    except Exception as error:
        raise DisconnectionError(f"the pooled connection is gone: {error}") from error


def _end_idle_transactions_on_mariadb(
    dbapi_connection: Any, _record: Any, *, seconds: float
) -> None:
    """MariaDB's counterpart of PostgreSQL's idle_in_transaction_session_timeout (see above):
    the server closes a connection idle in a transaction this long. MySQL has no such setting."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SELECT VERSION()")
    (version,) = cursor.fetchone()
    if "MariaDB" in version:
        cursor.execute(f"SET SESSION idle_transaction_timeout = {max(1, round(seconds))}")
    cursor.close()


def create_read_engine(engine: AsyncEngine) -> AsyncEngine:
    """The engine for transactions that only read: ``engine`` itself, except on SQLite.

    SQLite's engine has one connection, which every transaction, reads too, takes in turn with
    the write lock (decision 8). Its readers get a pool of their own whose transactions begin
    deferred, so each reads one snapshot of the database from its first statement, without the
    lock: in WAL they run beside each other and beside the writer. ``query_only`` makes a write
    on one of them fail at once rather than race the writer.
    """
    url = engine.url
    if url.get_backend_name() != "sqlite":
        return engine
    readers = create_async_engine(
        url,
        echo=engine.echo,
        pool_size=SQLITE_READERS,
        max_overflow=0,
        pool_timeout=engine.pool.timeout(),  # type: ignore[attr-defined]
    )
    event.listen(readers.sync_engine, "connect", _enable_sqlite_pragmas)
    event.listen(readers.sync_engine, "connect", _refuse_writes)
    event.listen(readers.sync_engine, "begin", _begin_deferred)
    return readers


def engine_for(settings: Settings) -> AsyncEngine:
    return create_engine(
        settings.database_url,
        echo=settings.database_echo,
        pool_size=settings.database_pool_size,
        pool_overflow=settings.database_pool_overflow,
        pool_timeout_seconds=settings.database_pool_timeout_seconds,
        idle_transaction_timeout_seconds=settings.database_idle_transaction_timeout_seconds,
    )


def _begin_immediate(connection: Connection) -> None:
    """SQLite has one writer; taking the write lock when a transaction begins (not at its first
    write) makes every transaction see a stable database and wait its turn on busy_timeout,
    instead of failing with "database is locked" when it tries to write after reading. This is
    what makes read-then-write sequences (claims, receipts, quota) exact on SQLite, as row locks
    make them on PostgreSQL and MariaDB."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def _begin_deferred(connection: Connection) -> None:
    """A read transaction: its snapshot is taken at its first statement and kept to its end."""
    connection.exec_driver_sql("BEGIN")


def _refuse_writes(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA query_only=ON")
    cursor.close()
