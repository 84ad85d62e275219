"""All SQL about users."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, or_, select, update
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
        verified_only: bool,
    ) -> list[str]:
        """Which of these values another account already uses, in the order given.

        ``verified_only``: count an e-mail or phone only where its holder has verified it.
        """
        conditions = []
        if email is not None:
            conditions.append(
                and_(User.email == email, User.email_verified_at.is_not(None))
                if verified_only
                else User.email == email
            )
        if username is not None:
            conditions.append(User.username == username)
        if phone is not None:
            conditions.append(
                and_(User.phone == phone, User.phone_verified_at.is_not(None))
                if verified_only
                else User.phone == phone
            )
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

    async def release_unverified(
        self, *, email: str | None, phone: str | None, excluding_user_id: int | None
    ) -> list[tuple[int, str]]:
        """Take these values from the accounts that hold them unverified: (user id, field) each."""
        released = []
        for field, value, verified_at in (
            ("email", email, User.email_verified_at),
            ("phone", phone, User.phone_verified_at),
        ):
            if value is None:
                continue
            held: list[ColumnElement[bool]] = [getattr(User, field) == value, verified_at.is_(None)]
            if excluding_user_id is not None:
                held.append(User.id != excluding_user_id)
            # Found first, then cleared: MariaDB has no UPDATE … RETURNING.
            holders = list((await self.session.scalars(select(User.id).where(*held))).all())
            if holders:
                await self.session.execute(
                    update(User).where(User.id.in_(holders), *held).values({field: None})
                )
                released += [(user_id, field) for user_id in holders]
        return released

    async def any_with_role(self, *roles: str) -> bool:
        found = await self.session.scalar(select(User.id).where(User.role.in_(roles)).limit(1))
        return found is not None

    def add(self, user: User) -> None:
        self.session.add(user)

    async def _one_where(self, condition: object) -> User | None:
        result = await self.session.scalars(select(User).where(condition))  # type: ignore[arg-type]
        return result.first()
