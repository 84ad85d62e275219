from __future__ import annotations

from pydantic import Field

from payam.kit.schemas import InputSchema
from payam.models import UserRole, UserStatus


class UserStatusChange(InputSchema):
    status: UserStatus
    reason: str | None = Field(default=None, max_length=500)


class UserRoleChange(InputSchema):
    role: UserRole
