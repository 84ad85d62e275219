from __future__ import annotations

from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import AuditLogEntry

# The log context's field naming the API key a request came with (bound by the key check in
# ``payam.auth.dependencies``); every audit entry such a request makes names the key too.
API_KEY_FIELD = "api_key_id"


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
    context = structlog.contextvars.get_contextvars()
    request_id = context.get("request_id")
    if context.get(API_KEY_FIELD) is not None:
        details = {**(details or {}), API_KEY_FIELD: context[API_KEY_FIELD]}
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
