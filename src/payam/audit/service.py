from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import AuditLogEntry


def record_audit(
    session: AsyncSession,
    *,
    action: str,
    actor_id: int | None,
    subject_user_id: int | None,
    ip_address: str | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Add an audit entry to the current transaction, so it lands exactly when the action does."""
    request_id = structlog.contextvars.get_contextvars().get("request_id")
    session.add(
        AuditLogEntry(
            action=action,
            actor_id=actor_id,
            subject_user_id=subject_user_id,
            ip_address=ip_address,
            request_id=request_id,
            details=details or {},
        )
    )
