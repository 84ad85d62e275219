"""Admin rules: who may change whom, what a change does to the target's sessions and campaigns,
and the whole picture of one user."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from payam.admin.repository import (
    AdminRepository,
    UserFilter,
    month_start,
    user_search_statement,
)
from payam.admin.schemas import (
    CampaignRow,
    GrantView,
    NumberView,
    SessionView,
    UserRow,
    UserSort,
)
from payam.audit.repository import AuditRepository
from payam.audit.schemas import AuditEntry
from payam.audit.service import record_audit
from payam.auth.otp import OtpService
from payam.auth.repository import AuthRepository, UserRepository
from payam.auth.schemas import to_user_schema
from payam.auth.service import ClientInfo
from payam.campaigns.repository import CampaignRepository
from payam.kit.clock import utc_now
from payam.kit.errors import Conflict, Forbidden
from payam.kit.pagination import Page, PageParams
from payam.live.events import CAMPAIGN_STATUS, publish_campaign_after_commit
from payam.models import Campaign, CampaignStatus, OtpChannel, User, UserRole, UserStatus
from payam.pubsub.hub import hub_of
from payam.senders.repository import SenderRepository

RECENT = 20
RECENT_AUDIT = 50
_STOPPED_BECAUSE = {
    UserStatus.BANNED: "Paused: this account was banned",
    UserStatus.INACTIVE: "Paused: this account was deactivated",
}


def stop_campaigns(
    session: AsyncSession,
    campaigns: Sequence[Campaign],
    *,
    status: CampaignStatus,
    reason: str,
) -> None:
    """Pause or cancel these campaigns with a reason their owner sees, and tell the owner's
    open screens once it has committed. The dispatcher claims only RUNNING campaigns' recipients,
    so no send starts after the commit; one already on its way finishes."""
    now = utc_now()
    hub = hub_of(session)
    for campaign in campaigns:
        campaign.status = status
        campaign.status_reason = reason[:255]
        if status is CampaignStatus.CANCELLED:
            campaign.completed_at = now
        publish_campaign_after_commit(session, hub, campaign, type=CAMPAIGN_STATUS, refresh=True)


def with_reason(text: str, reason: str | None) -> str:
    return f"{text}: {reason}" if reason else text


class AdminUserService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)
        self.auth = AuthRepository(session)
        self.admin = AdminRepository(session)

    # ---- reading ---------------------------------------------------------------------------

    async def search(
        self, where: UserFilter, *, sort: UserSort, descending: bool, params: PageParams
    ) -> Page[UserRow]:
        now = utc_now()
        statement = user_search_statement(where, sort=sort, descending=descending, now=now)
        page = await self.users.paginate(statement, params)
        return page.with_items(await self.rows(page.items))

    async def rows(self, users: Sequence[User]) -> list[UserRow]:
        sent = await self.admin.messages_since([u.id for u in users], month_start(utc_now()))
        return [
            UserRow(
                **to_user_schema(user).model_dump(),
                last_login_at=user.last_login_at,
                messages_this_month=sent.get(user.id, 0),
            )
            for user in users
        ]

    async def get(self, user_id: int) -> User:
        return await self.users.get_or_404(user_id)

    async def grants(self, user_id: int) -> list[GrantView]:
        return [GrantView.model_validate(grant) for grant in await self.admin.grants(user_id)]

    async def numbers(self, user_id: int) -> list[NumberView]:
        senders = await SenderRepository(self.session).list_owned(user_id)
        return [NumberView.model_validate(sender) for sender in senders]

    async def campaigns(self, user_id: int) -> list[CampaignRow]:
        page = await CampaignRepository(self.session).page_owned(
            user_id, PageParams(page=1, page_size=RECENT), status=None
        )
        return await campaign_rows(self.session, page.items)

    async def campaigns_by_status(self, user_id: int) -> dict[CampaignStatus, int]:
        return await self.admin.campaigns_by_status(user_id)

    async def sessions(self, user_id: int) -> list[SessionView]:
        rows = await self.auth.list_active_sessions(user_id, now=utc_now())
        return [SessionView.model_validate(row) for row in rows]

    async def audit_trail(self, user_id: int) -> list[AuditEntry]:
        entries = AuditRepository(self.session)
        page = await entries.paginate(
            entries.search_statement(user_id=user_id), PageParams(page=1, page_size=RECENT_AUDIT)
        )
        return [AuditEntry.model_validate(entry) for entry in page.items]

    # ---- acting ----------------------------------------------------------------------------

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
        self._ensure_may_manage(actor, target, field="status")
        previous = target.status
        if status is not UserStatus.ACTIVE and target.role is UserRole.SUPER_ADMIN:
            await self._ensure_not_last_super_admin(target, field="status")
        target.status = status
        stopped: list[int] = []
        if status is not UserStatus.ACTIVE:
            # Access tokens are also checked against the user on every request; ending the
            # sessions makes sure no refresh token outlives the ban either.
            await self.auth.revoke_sessions(
                user_id=target.id, reason=f"status_{status.value.lower()}", now=utc_now()
            )
            # Their campaigns stop before the next message, saying why; they stay paused when
            # the account comes back, for its owner to resume.
            campaigns = await self.admin.live_campaigns(user_id=target.id)
            stop_campaigns(
                self.session,
                campaigns,
                status=CampaignStatus.PAUSED,
                reason=with_reason(_STOPPED_BECAUSE[status], reason),
            )
            stopped = [campaign.id for campaign in campaigns]
        record_audit(
            self.session,
            action="admin.user_status_changed",
            actor_id=actor.id,
            subject_user_id=target.id,
            ip_address=client.ip_address,
            details={
                "from": previous.value,
                "to": status.value,
                "reason": reason,
                **({"paused_campaigns": stopped} if stopped else {}),
            },
        )
        return target

    async def change_role(
        self, actor: User, user_id: int, *, role: UserRole, client: ClientInfo
    ) -> User:
        target = await self.get(user_id)
        if target.id == actor.id:
            raise Forbidden("You cannot change your own role", field="role")
        previous = target.role
        if previous is UserRole.SUPER_ADMIN and role is not UserRole.SUPER_ADMIN:
            await self._ensure_not_last_super_admin(target, field="role")
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

    async def send_password_reset(
        self, actor: User, user_id: int, *, otp: OtpService, client: ClientInfo
    ) -> OtpChannel:
        """Send the user a password-reset code; their password stays until they use it."""
        target = await self.get(user_id)
        self._ensure_may_manage(actor, target, field="user_id")
        if not target.is_active:
            raise Conflict("This account is not active; activate it first", field="status")
        channel = await otp.send_password_reset(target)
        if channel is None:
            raise Conflict("This account has no phone or e-mail to send a code to", field=None)
        record_audit(
            self.session,
            action="admin.password_reset_sent",
            actor_id=actor.id,
            subject_user_id=target.id,
            ip_address=client.ip_address,
            details={"channel": channel.value},
        )
        return channel

    async def end_sessions(self, actor: User, user_id: int, *, client: ClientInfo) -> None:
        """Sign the user out everywhere: every access and refresh token stops working."""
        target = await self.get(user_id)
        self._ensure_may_manage(actor, target, field="user_id")
        await self.auth.revoke_sessions(user_id=target.id, reason="ended_by_admin", now=utc_now())
        record_audit(
            self.session,
            action="admin.sessions_ended",
            actor_id=actor.id,
            subject_user_id=target.id,
            ip_address=client.ip_address,
        )

    async def _ensure_not_last_super_admin(self, target: User, *, field: str) -> None:
        if not await self.admin.super_admins_left_besides(target.id):
            raise Conflict("This is the last active super admin", field=field)

    @staticmethod
    def _ensure_may_manage(actor: User, target: User, *, field: str) -> None:
        """An admin manages users; only a super admin manages admins (and other super admins)."""
        if target.id == actor.id:
            raise Forbidden("You cannot do this to your own account", field=field)
        if target.role is not UserRole.USER and actor.role is not UserRole.SUPER_ADMIN:
            raise Forbidden("Only a super admin may manage admins", field=field)


async def campaign_rows(session: AsyncSession, campaigns: Sequence[Campaign]) -> list[CampaignRow]:
    senders = await CampaignRepository(session).sender_ids([c.id for c in campaigns])
    owners = await AdminRepository(session).names([c.user_id for c in campaigns])
    return [
        CampaignRow(
            id=campaign.id,
            user_id=campaign.user_id,
            owner_name=owners[campaign.user_id],
            title=campaign.title,
            status=campaign.status,
            status_reason=campaign.status_reason,
            counts=campaign.counts(),
            sender_ids=senders.get(campaign.id, []),
            scheduled_at=campaign.scheduled_at,
            started_at=campaign.started_at,
            completed_at=campaign.completed_at,
            created_at=campaign.created_at,
        )
        for campaign in campaigns
    ]
