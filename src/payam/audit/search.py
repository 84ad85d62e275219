"""Reading the audit log: admins search all of it, a user reads their own security events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.actions import SECURITY_EVENTS
from payam.audit.repository import AuditRepository
from payam.kit.errors import InvalidInput
from payam.kit.pagination import Page, PageParams
from payam.models import AuditLogEntry


def check_range(since: datetime | None, until: datetime | None) -> None:
    if since is not None and until is not None and until <= since:
        raise InvalidInput("The range ends before it starts", field="until")


class AuditSearch:
    def __init__(self, session: AsyncSession) -> None:
        self.entries = AuditRepository(session)

    async def search(
        self,
        *,
        user_id: int | None,
        action: str | None,
        since: datetime | None,
        until: datetime | None,
        params: PageParams,
    ) -> Page[AuditLogEntry]:
        check_range(since, until)
        statement = self.entries.search_statement(
            user_id=user_id,
            actions=None if action is None else [action],
            since=since,
            until=until,
        )
        return await self.entries.paginate(statement, params)

    async def security_events(
        self,
        user_id: int,
        *,
        since: datetime | None,
        until: datetime | None,
        params: PageParams,
    ) -> Page[AuditLogEntry]:
        """What happened to this account's access, whoever did it."""
        check_range(since, until)
        statement = self.entries.search_statement(
            subject_user_id=user_id, actions=SECURITY_EVENTS, since=since, until=until
        )
        return await self.entries.paginate(statement, params)
