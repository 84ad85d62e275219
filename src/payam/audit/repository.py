"""The audit log's SQL: entries about a user (as actor or subject), by action and time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from payam.kit.repository import Repository
from payam.models import AuditLogEntry


class AuditRepository(Repository[AuditLogEntry]):
    model = AuditLogEntry

    @staticmethod
    def search_statement(
        *,
        user_id: int | None = None,
        subject_user_id: int | None = None,
        actions: Sequence[str] | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> Select[Any]:
        """Newest first; ``user_id`` matches who acted or whom it was done to."""
        statement = select(AuditLogEntry).order_by(
            AuditLogEntry.created_at.desc(), AuditLogEntry.id.desc()
        )
        if user_id is not None:
            statement = statement.where(
                or_(AuditLogEntry.actor_id == user_id, AuditLogEntry.subject_user_id == user_id)
            )
        if subject_user_id is not None:
            statement = statement.where(AuditLogEntry.subject_user_id == subject_user_id)
        if actions is not None:
            statement = statement.where(AuditLogEntry.action.in_(actions))
        if since is not None:
            statement = statement.where(AuditLogEntry.created_at >= since)
        if until is not None:
            statement = statement.where(AuditLogEntry.created_at < until)
        return statement
