"""All SQL about accounts (users), sessions, refresh tokens and one-time codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, and_, bindparam, or_, select, update

from payam.kit.repository import Repository
from payam.models import AuthSession, OneTimeCode, OtpPurpose, RefreshToken, User
from payam.pubsub.hub import tell_access_changed_after_commit

# Every authenticated request runs this; built once, since building it (SQLAlchemy's operators)
# cost about as much as running it on SQLite.
_SESSION_AND_USER = (
    select(AuthSession, User)
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("session_id"), AuthSession.user_id == bindparam("user_id"))
)


class AuthRepository(Repository[AuthSession]):
    model = AuthSession

    def add(self, row: AuthSession | RefreshToken | OneTimeCode) -> None:
        self.session.add(row)

    async def get_session_and_user(
        self, session_id: str, user_id: int
    ) -> tuple[AuthSession, User] | None:
        parameters = {"session_id": session_id, "user_id": user_id}
        row = (await self.session.execute(_SESSION_AND_USER, parameters)).first()
        return None if row is None else (row[0], row[1])

    async def claim_refresh_token(self, token_id: int, *, now: datetime) -> bool:
        """Mark the token used, if no one has: of two concurrent uses, only one gets True."""
        claimed = await self.session.execute(
            update(RefreshToken)
            .where(RefreshToken.id == token_id, RefreshToken.rotated_at.is_(None))
            .values(rotated_at=now)
        )
        return bool(claimed.rowcount == 1)  # type: ignore[attr-defined]

    async def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        return (await self.session.scalars(statement)).first()

    async def list_active_sessions(self, user_id: int, *, now: datetime) -> Sequence[AuthSession]:
        """A user's sessions that can still be used: not revoked, and not expired.

        A session expires with its current (not yet rotated) refresh token; once that is past,
        nothing can bring it back, so it is no longer listed. Newest use first.
        """
        refreshable = (
            select(RefreshToken.id)
            .where(
                RefreshToken.session_id == AuthSession.id,
                RefreshToken.rotated_at.is_(None),
                RefreshToken.expires_at > now,
            )
            .exists()
        )
        statement = (
            select(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None), refreshable)
            .order_by(AuthSession.last_used_at.desc(), AuthSession.created_at.desc())
        )
        return (await self.session.scalars(statement)).all()

    async def revoke_sessions(
        self,
        *,
        user_id: int,
        reason: str,
        now: datetime,
        keep_session_id: str | None = None,
        only_session_id: str | None = None,
    ) -> None:
        """End sessions; once that commits, their open sockets close at once."""
        statement = (
            update(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason)
        )
        if keep_session_id is not None:
            statement = statement.where(AuthSession.id != keep_session_id)
        if only_session_id is not None:
            statement = statement.where(AuthSession.id == only_session_id)
        await self.session.execute(statement)
        tell_access_changed_after_commit(self.session, user_id)

    async def retire_codes(self, *, user_id: int, purpose: OtpPurpose, now: datetime) -> None:
        await self.session.execute(
            update(OneTimeCode)
            .where(
                OneTimeCode.user_id == user_id,
                OneTimeCode.purpose == purpose,
                OneTimeCode.consumed_at.is_(None),
            )
            .values(consumed_at=now)
        )

    async def latest_open_code(self, *, user_id: int, purpose: OtpPurpose) -> OneTimeCode | None:
        statement = (
            select(OneTimeCode)
            .where(
                OneTimeCode.user_id == user_id,
                OneTimeCode.purpose == purpose,
                OneTimeCode.consumed_at.is_(None),
            )
            .order_by(OneTimeCode.id.desc())
            .limit(1)
        )
        return (await self.session.scalars(statement)).first()

    async def code(self, code_id: int) -> OneTimeCode | None:
        return await self.session.get(OneTimeCode, code_id)

    async def mark_undelivered(self, code_id: int, *, now: datetime) -> None:
        """Record that the code could not be sent, unless it was used or replaced meanwhile."""
        await self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.consumed_at.is_(None))
            .values(undelivered_at=now)
        )

    async def count_code_attempt(self, code_id: int, *, max_attempts: int) -> bool:
        """Count one try at a code; False when its tries are spent (safe under concurrency)."""
        result = await self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.attempts < max_attempts)
            .values(attempts=OneTimeCode.attempts + 1)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    async def consume_code(self, code_id: int, *, now: datetime) -> bool:
        """Mark a code used; False when another request used it first."""
        result = await self.session.execute(
            update(OneTimeCode)
            .where(OneTimeCode.id == code_id, OneTimeCode.consumed_at.is_(None))
            .values(consumed_at=now)
        )
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]


class UserRepository(Repository[User]):
    model = User

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
