"""The unit of work: one commit at its edge, jobs after the commit, and ending it early."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.db.session import commit_now, run_after_commit, transaction
from payam.kit.errors import Conflict
from payam.models import AuditLogEntry
from payam.runtime import Runtime


class Recorder:
    """Post-commit jobs that note that they ran, and audit entries to see what was committed."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.ran: list[str] = []

    def change(self, session: AsyncSession, name: str) -> None:
        """A change and the job that waits for it."""
        record_audit(session, action=name, actor_id=None, subject_user_id=None)

        async def job() -> None:
            self.ran.append(name)

        run_after_commit(session, job)

    async def committed(self) -> list[str]:
        async with transaction(self.runtime.sessionmaker) as session:
            return list(await session.scalars(select(AuditLogEntry.action)))


@pytest.fixture
def recorder(runtime: Runtime) -> Recorder:
    return Recorder(runtime)


async def test_jobs_run_after_the_commit_and_never_after_a_rollback(recorder: Recorder) -> None:
    async def failing() -> None:
        async with transaction(recorder.runtime.sessionmaker) as session:
            recorder.change(session, "rolled back")
            raise RuntimeError

    async with transaction(recorder.runtime.sessionmaker) as session:
        recorder.change(session, "committed")
        assert recorder.ran == []
    with pytest.raises(RuntimeError):
        await failing()

    assert recorder.ran == ["committed"]
    assert await recorder.committed() == ["committed"]


async def test_a_refusal_that_keeps_its_changes_runs_their_jobs(recorder: Recorder) -> None:
    async def refused() -> None:
        async with transaction(recorder.runtime.sessionmaker) as session:
            recorder.change(session, "kept")
            raise Conflict("refused, with a trace", keeps_changes=True)

    with pytest.raises(Conflict):
        await refused()

    assert recorder.ran == ["kept"]
    assert await recorder.committed() == ["kept"]


async def test_an_early_commit_runs_the_jobs_of_what_it_committed_whatever_follows(
    recorder: Recorder,
) -> None:
    async def request_that_fails_late() -> None:
        async with transaction(recorder.runtime.sessionmaker) as session:
            recorder.change(session, "before")
            await commit_now(session)
            assert recorder.ran == ["before"]
            recorder.change(session, "after")
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await request_that_fails_late()

    # The failure takes back only what came after the early commit, jobs included.
    assert recorder.ran == ["before"]
    assert await recorder.committed() == ["before"]
