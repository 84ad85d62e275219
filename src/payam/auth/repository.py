"""All SQL about sessions, refresh tokens and one-time codes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from payam.models import AuthSession, OneTimeCode, OtpPurpose, RefreshToken, User
from payam.pubsub.hub import tell_access_changed_after_commit


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: AuthSession | RefreshToken | OneTimeCode) -> None:
        self.session.add(row)

    async def get_session_and_user(
        self, session_id: str, user_id: int
    ) -> tuple[AuthSession, User] | None:
        statement = (
            select(AuthSession, User)
            .join(User, User.id == AuthSession.user_id)
            .where(AuthSession.id == session_id, AuthSession.user_id == user_id)
        )
        row = (await self.session.execute(statement)).first()
        return None if row is None else (row[0], row[1])

    async def get_refresh_token(self, token_hash: str) -> RefreshToken | None:
        statement = select(RefreshToken).where(RefreshToken.token_hash == token_hash)
        return (await self.session.scalars(statement)).first()

    async def get_session(self, session_id: str) -> AuthSession | None:
        return await self.session.get(AuthSession, session_id)

    async def list_active_sessions(self, user_id: int) -> Sequence[AuthSession]:
        statement = (
            select(AuthSession)
            .where(AuthSession.user_id == user_id, AuthSession.revoked_at.is_(None))
            .order_by(AuthSession.last_used_at.desc())
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
