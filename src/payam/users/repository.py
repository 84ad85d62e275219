"""All SQL about users."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)

    async def get_by_email(self, email: str) -> User | None:
        return await self._one_where(User.email == email)

    async def get_by_username(self, username: str) -> User | None:
        return await self._one_where(User.username == username)

    async def get_by_phone(self, phone: str) -> User | None:
        return await self._one_where(User.phone == phone)

    async def find_taken_fields(
        self,
        *,
        email: str | None = None,
        username: str | None = None,
        phone: str | None = None,
        excluding_user_id: int | None = None,
    ) -> list[str]:
        """Which of these values another account already uses, in the order given."""
        conditions = []
        if email is not None:
            conditions.append(User.email == email)
        if username is not None:
            conditions.append(User.username == username)
        if phone is not None:
            conditions.append(User.phone == phone)
        if not conditions:
            return []
        statement = select(User.email, User.username, User.phone).where(or_(*conditions))
        if excluding_user_id is not None:
            statement = statement.where(User.id != excluding_user_id)
        rows = (await self.session.execute(statement)).all()
        taken = []
        for field, value in (("email", email), ("username", username), ("phone", phone)):
            if value is not None and any(getattr(row, field) == value for row in rows):
                taken.append(field)
        return taken

    async def any_with_role(self, *roles: str) -> bool:
        found = await self.session.scalar(select(User.id).where(User.role.in_(roles)).limit(1))
        return found is not None

    def add(self, user: User) -> None:
        self.session.add(user)

    async def _one_where(self, condition: object) -> User | None:
        result = await self.session.scalars(select(User).where(condition))  # type: ignore[arg-type]
        return result.first()
