"""Admin rules: who may change whom, and what a change does to the target's sessions."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from payam.admin.repository import user_search_statement
from payam.audit.service import record_audit
from payam.auth.repository import AuthRepository, UserRepository
from payam.auth.service import ClientInfo
from payam.kit.clock import utc_now
from payam.kit.errors import Forbidden
from payam.kit.pagination import Page, PageParams
from payam.models import User, UserRole, UserStatus


class AdminUserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.auth = AuthRepository(session)

    async def search(
        self,
        *,
        query: str | None,
        role: UserRole | None,
        status: UserStatus | None,
        params: PageParams,
    ) -> Page[User]:
        statement = user_search_statement(query=query, role=role, status=status)
        return await self.users.paginate(statement, params)

    async def get(self, user_id: int) -> User:
        return await self.users.get_or_404(user_id)

    async def change_status(
        self,
        actor: User,
        user_id: int,
        *,
        status: UserStatus,
        reason: str | None,
        client: ClientInfo,
    ) -> User:
        target = await self.get(user_id)
        self._ensure_may_manage(actor, target)
        previous = target.status
        target.status = status
        if status is not UserStatus.ACTIVE:
            # Access tokens are also checked against the user on every request; ending the
            # sessions makes sure no refresh token outlives the ban either.
            await self.auth.revoke_sessions(
                user_id=target.id, reason=f"status_{status.value.lower()}", now=utc_now()
            )
        record_audit(
            self.session,
            action="admin.user_status_changed",
            actor_id=actor.id,
            subject_user_id=target.id,
            ip_address=client.ip_address,
            details={"from": previous.value, "to": status.value, "reason": reason},
        )
        return target

    async def change_role(
        self, actor: User, user_id: int, *, role: UserRole, client: ClientInfo
    ) -> User:
        target = await self.get(user_id)
        if target.id == actor.id:
            raise Forbidden("You cannot change your own role", field="role")
        previous = target.role
        target.role = role
        record_audit(
            self.session,
            action="admin.user_role_changed",
            actor_id=actor.id,
            subject_user_id=target.id,
            ip_address=client.ip_address,
            details={"from": previous.value, "to": role.value},
        )
        return target

    @staticmethod
    def _ensure_may_manage(actor: User, target: User) -> None:
        if target.id == actor.id:
            raise Forbidden("You cannot change your own status", field="status")
        if target.role.rank >= actor.role.rank:
            raise Forbidden("Only a higher role may change this account", field="status")
