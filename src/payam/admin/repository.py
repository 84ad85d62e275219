from __future__ import annotations

from typing import Any

from sqlalchemy import Select, or_, select

from payam.models import User, UserRole, UserStatus


def user_search_statement(
    *, query: str | None, role: UserRole | None, status: UserStatus | None
) -> Select[Any]:
    statement = select(User).order_by(User.id.desc())
    if query:
        pattern = f"%{query.lower()}%"
        statement = statement.where(
            or_(
                User.email.like(pattern),
                User.username.like(pattern),
                User.phone.like(f"%{query}%"),
                User.name.like(f"%{query}%"),
            )
        )
    if role is not None:
        statement = statement.where(User.role == role)
    if status is not None:
        statement = statement.where(User.status == status)
    return statement
