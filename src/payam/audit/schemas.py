from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query
from pydantic import AwareDatetime

from payam.kit.schemas import Schema


class AuditEntry(Schema):
    id: int
    created_at: datetime
    action: str
    actor_id: int | None
    subject_user_id: int | None
    ip_address: str | None
    request_id: str | None
    details: dict[str, Any]


# A time range in a query string, each end with its zone (a naive time would be ambiguous).
Since = Annotated[
    AwareDatetime | None, Query(description="from this moment (with its zone), inclusive")
]
Until = Annotated[AwareDatetime | None, Query(description="up to this moment, exclusive")]
