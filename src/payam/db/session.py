"""Sessions: one transaction per request or task, committed at its edge, then post-commit work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from payam.kit.errors import PayamError

logger = structlog.get_logger(__name__)

AfterCommit = Callable[[], Awaitable[None]]
_AFTER_COMMIT_KEY = "payam.after_commit"


def create_sessionmaker(
    engine: AsyncEngine, *, info: dict[str, Any] | None = None
) -> async_sessionmaker[AsyncSession]:
    """``info`` is copied into every session's ``info`` (the Runtime puts its hub there)."""
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


def run_after_commit(session: AsyncSession, job: AfterCommit) -> None:
    """Run ``job`` once this session's transaction has committed, never if it rolls back.

    This is how work with effects outside the database (a message, an e-mail, a queued job)
    waits for the data it depends on to be durable.
    """
    session.info.setdefault(_AFTER_COMMIT_KEY, []).append(job)


async def commit_now(session: AsyncSession) -> None:
    """End the request's transaction before its edge, and run the jobs queued so far.

    For work that must not happen inside a transaction: a slow outside call (a gateway, a send)
    or a long upload, which would otherwise hold a pooled connection and, on SQLite, the one
    write lock (decision 8). What was queued is durable now, so it runs now: a later rollback
    of the rest of the request cannot take it back. The session begins a new transaction at its
    next statement, which ``transaction()`` ends as usual.
    """
    await _commit(session)


async def _run_post_commit_jobs(session: AsyncSession) -> None:
    jobs: list[AfterCommit] = session.info.pop(_AFTER_COMMIT_KEY, [])
    for job in jobs:
        try:
            await job()
        except Exception:
            logger.exception("post_commit_job_failed", job=getattr(job, "__qualname__", repr(job)))


@asynccontextmanager
async def transaction(
    sessionmaker: async_sessionmaker[AsyncSession],
) -> AsyncIterator[AsyncSession]:
    """A unit of work: commits when the block ends, rolls back if it raises."""
    async with sessionmaker() as session:
        try:
            yield session
        except PayamError as error:
            if error.keeps_changes:
                await _commit(session)
            else:
                await _rollback(session)
            raise
        except BaseException:
            await _rollback(session)
            raise
        await _commit(session)


async def _commit(session: AsyncSession) -> None:
    await session.commit()
    await _run_post_commit_jobs(session)


async def _rollback(session: AsyncSession) -> None:
    await session.rollback()
    session.info.pop(_AFTER_COMMIT_KEY, None)
