"""The rules for a user's own account: profile changes and sessions."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.repository import AuthRepository
from payam.auth.service import AuthService, ClientInfo, Principal, normalize_phone_field
from payam.kit.clock import utc_now
from payam.models import AuthSession, User
from payam.users.devices import describe_device
from payam.users.schemas import Session as SessionSchema
from payam.users.schemas import UserUpdate


class UserService:
    def __init__(self, session: AsyncSession, *, auth: AuthService) -> None:
        self.session = session
        self.auth = auth
        self.auth_repository = AuthRepository(session)

    async def update_profile(self, user: User, data: UserUpdate, *, client: ClientInfo) -> User:
        changes = data.model_dump(exclude_unset=True, exclude_none=True)
        if "email" in changes:
            changes["email"] = changes["email"].lower()
        if "phone" in changes:
            changes["phone"] = normalize_phone_field(changes["phone"], settings=self.auth.settings)
        changes = {key: value for key, value in changes.items() if getattr(user, key) != value}
        await self.auth.claim(
            email=changes.get("email"),
            username=changes.get("username"),
            phone=changes.get("phone"),
            claimant_id=user.id,
            client_ip=client.ip_address,
        )
        # A new address is unproven until its own code comes back.
        if "email" in changes:
            user.email_verified_at = None
        if "phone" in changes:
            user.phone_verified_at = None
        for key, value in changes.items():
            setattr(user, key, value)
        if changes:
            record_audit(
                self.session,
                action="user.profile_updated",
                actor_id=user.id,
                subject_user_id=user.id,
                ip_address=client.ip_address,
                details={"fields": sorted(changes)},
            )
        return user

    async def list_sessions(self, principal: Principal) -> list[SessionSchema]:
        sessions: Sequence[AuthSession] = await self.auth_repository.list_active_sessions(
            principal.user.id, now=utc_now()
        )
        return [
            SessionSchema(
                id=row.id,
                created_at=row.created_at,
                last_used_at=row.last_used_at,
                device=describe_device(row.user_agent),
                user_agent=row.user_agent,
                ip_address=row.ip_address,
                current=row.id == principal.session.id,
            )
            for row in sessions
        ]

    async def revoke_session(
        self, principal: Principal, session_id: str, *, client: ClientInfo
    ) -> None:
        target = await self.auth_repository.get_or_404(
            session_id, owner_id=principal.user.id, name="session"
        )
        if target.revoked_at is None:
            await self.auth_repository.revoke_sessions(
                user_id=principal.user.id,
                reason="revoked_by_user",
                now=utc_now(),
                only_session_id=target.id,
            )
            record_audit(
                self.session,
                action="auth.session_ended",
                actor_id=principal.user.id,
                subject_user_id=principal.user.id,
                ip_address=client.ip_address,
                details={"session_id": target.id},
            )
