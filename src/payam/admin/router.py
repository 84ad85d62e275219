from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, status
from pydantic import AwareDatetime

from payam.admin.platform import PlatformService
from payam.admin.repository import CampaignFilter, NumberFilter, UserFilter
from payam.admin.schemas import (
    AdminReason,
    CampaignRow,
    NumberView,
    PasswordResetSent,
    SubscriptionState,
    UserOverview,
    UserRoleChange,
    UserRow,
    UserSort,
    UserStatusChange,
)
from payam.admin.service import AdminUserService
from payam.admin.system import SystemStatus, system_status
from payam.audit.schemas import AuditEntry, Since, Until
from payam.audit.search import AuditSearch
from payam.auth.dependencies import AdminUser, ClientInfoDep, SuperAdminUser
from payam.auth.router import OtpServiceDep
from payam.auth.schemas import User, to_user_schema
from payam.billing.payments import PaymentService
from payam.billing.repository import PaymentFilter
from payam.billing.router import get_payment_service, payment_views
from payam.billing.subscriptions import SubscriptionService
from payam.dependencies import RuntimeDep, SessionDep, SettingsDep
from payam.kit.ids import Id, PathId
from payam.kit.pagination import Page, PageParams, PageParamsDep
from payam.kit.problems import problem_responses
from payam.models import CampaignStatus, ProviderName, SenderStatus, UserRole, UserStatus

router = APIRouter(prefix="/admin", tags=["admin"])


async def get_admin_user_service(session: SessionDep) -> AdminUserService:
    return AdminUserService(session)


AdminUserServiceDep = Annotated[AdminUserService, Depends(get_admin_user_service)]


async def get_platform_service(session: SessionDep) -> PlatformService:
    return PlatformService(session)


PlatformServiceDep = Annotated[PlatformService, Depends(get_platform_service)]
PaymentServiceDep = Annotated[PaymentService, Depends(get_payment_service)]
Order = Literal["asc", "desc"]


@router.get("/users", response_model=Page[UserRow])
async def search_users(
    _admin: AdminUser,
    service: AdminUserServiceDep,
    params: PageParamsDep,
    q: Annotated[
        str | None, Query(max_length=100, description="e-mail, username, phone, name")
    ] = None,
    role: UserRole | None = None,
    status: UserStatus | None = None,
    subscription: SubscriptionState | None = None,
    last_login_after: AwareDatetime | None = None,
    last_login_before: AwareDatetime | None = None,
    never_signed_in: bool | None = None,
    min_messages_this_month: Annotated[int | None, Query(ge=0, le=2**31)] = None,
    max_messages_this_month: Annotated[int | None, Query(ge=0, le=2**31)] = None,
    sort: UserSort = UserSort.ID,
    order: Order = "desc",
) -> Page[UserRow]:
    """Accounts, filtered and sorted by any column (newest first unless told otherwise)."""
    where = UserFilter(
        query=q,
        role=role,
        status=status,
        subscription=subscription,
        last_login_after=last_login_after,
        last_login_before=last_login_before,
        never_signed_in=never_signed_in,
        min_messages_this_month=min_messages_this_month,
        max_messages_this_month=max_messages_this_month,
    )
    return await service.search(where, sort=sort, descending=order == "desc", params=params)


@router.get("/users/{user_id}", response_model=User, responses=problem_responses(404))
async def read_user(user_id: PathId, _admin: AdminUser, service: AdminUserServiceDep) -> User:
    return to_user_schema(await service.get(user_id))


@router.get(
    "/users/{user_id}/overview", response_model=UserOverview, responses=problem_responses(404)
)
async def user_overview(
    user_id: PathId,
    _admin: AdminUser,
    service: AdminUserServiceDep,
    payments: PaymentServiceDep,
    session: SessionDep,
    settings: SettingsDep,
) -> UserOverview:
    """The user's whole picture: profile, subscription and its history, payments, numbers,
    campaigns with their counts, signed-in sessions and the audit trail."""
    user = await service.get(user_id)
    recent = await payments.search(PageParams(page=1, page_size=20), PaymentFilter(user_id=user.id))
    return UserOverview(
        user=(await service.rows([user]))[0],
        subscription=await SubscriptionService(session).view(user.id, currency=settings.currency),
        grants=await service.grants(user.id),
        payments=await payment_views(payments, list(recent.items)),
        numbers=await service.numbers(user.id),
        campaigns_by_status=await service.campaigns_by_status(user.id),
        campaigns=await service.campaigns(user.id),
        sessions=await service.sessions(user.id),
        audit=await service.audit_trail(user.id),
    )


@router.put("/users/{user_id}/status", response_model=User, responses=problem_responses(404, 409))
async def change_user_status(
    user_id: PathId,
    data: UserStatusChange,
    admin: AdminUser,
    service: AdminUserServiceDep,
    client: ClientInfoDep,
) -> User:
    """Activate, deactivate or ban a user. A user who is not active is signed out everywhere
    at once, and their running or scheduled campaigns pause before their next message, with
    the reason shown to them. Admins are managed by super admins only; the last active super
    admin cannot be deactivated or banned (409)."""
    user = await service.change_status(
        admin, user_id, status=data.status, reason=data.reason, client=client
    )
    return to_user_schema(user)


@router.put("/users/{user_id}/role", response_model=User, responses=problem_responses(404, 409))
async def change_user_role(
    user_id: PathId,
    data: UserRoleChange,
    admin: SuperAdminUser,
    service: AdminUserServiceDep,
    client: ClientInfoDep,
) -> User:
    """Make a user an admin or take it back (super admins only; never the last one, 409)."""
    return to_user_schema(await service.change_role(admin, user_id, role=data.role, client=client))


@router.post(
    "/users/{user_id}/password-reset",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=PasswordResetSent,
    responses=problem_responses(404, 409),
)
async def send_password_reset(
    user_id: PathId,
    admin: AdminUser,
    service: AdminUserServiceDep,
    otp: OtpServiceDep,
    client: ClientInfoDep,
) -> PasswordResetSent:
    """Send the user a password-reset code (by SMS, or e-mail without a phone); they choose a
    new password with it at `POST /auth/otp/verify`."""
    channel = await service.send_password_reset(admin, user_id, otp=otp, client=client)
    return PasswordResetSent(channel=channel)


@router.delete(
    "/users/{user_id}/sessions",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problem_responses(404),
)
async def end_user_sessions(
    user_id: PathId, admin: AdminUser, service: AdminUserServiceDep, client: ClientInfoDep
) -> None:
    """Sign the user out of every device at once."""
    await service.end_sessions(admin, user_id, client=client)


@router.get("/audit", response_model=Page[AuditEntry], responses=problem_responses(422))
async def search_audit_log(
    _admin: AdminUser,
    session: SessionDep,
    params: PageParamsDep,
    user_id: Annotated[Id | None, Query(description="who acted, or whom it was done to")] = None,
    action: Annotated[
        str | None, Query(max_length=64, description="such as auth.login_failed")
    ] = None,
    since: Since = None,
    until: Until = None,
) -> Page[AuditEntry]:
    """The audit log, newest first: every admin action and security event, with who did it,
    to whom, from which address, when, and the request's id."""
    page = await AuditSearch(session).search(
        user_id=user_id, action=action, since=since, until=until, params=params
    )
    return page.map(AuditEntry.model_validate)


@router.get("/campaigns", response_model=Page[CampaignRow])
async def search_campaigns(
    _admin: AdminUser,
    platform: PlatformServiceDep,
    params: PageParamsDep,
    user_id: Id | None = None,
    status: CampaignStatus | None = None,
    sender_id: Annotated[
        Id | None, Query(description="campaigns sending through this number")
    ] = None,
    q: Annotated[str | None, Query(max_length=100, description="in the title")] = None,
    created_after: AwareDatetime | None = None,
    created_before: AwareDatetime | None = None,
) -> Page[CampaignRow]:
    """Every user's campaigns, newest first."""
    where = CampaignFilter(
        user_id=user_id,
        status=status,
        sender_id=sender_id,
        query=q,
        created_after=created_after,
        created_before=created_before,
    )
    return await platform.search_campaigns(where, params)


@router.post(
    "/campaigns/{campaign_id}/pause",
    response_model=CampaignRow,
    responses=problem_responses(404, 409),
)
async def pause_campaign(
    campaign_id: PathId,
    data: AdminReason,
    admin: AdminUser,
    platform: PlatformServiceDep,
    client: ClientInfoDep,
) -> CampaignRow:
    """Pause a running or scheduled campaign before its next message; its owner sees
    "Paused by an admin: <reason>" and may resume it."""
    campaign = await platform.pause_campaign(admin, campaign_id, reason=data.reason, client=client)
    return await platform.campaign_row(campaign)


@router.post(
    "/campaigns/{campaign_id}/cancel",
    response_model=CampaignRow,
    responses=problem_responses(404, 409),
)
async def cancel_campaign(
    campaign_id: PathId,
    data: AdminReason,
    admin: AdminUser,
    platform: PlatformServiceDep,
    client: ClientInfoDep,
) -> CampaignRow:
    """Cancel a campaign that has not finished; its owner sees "Cancelled by an admin: <reason>"."""
    campaign = await platform.cancel_campaign(admin, campaign_id, reason=data.reason, client=client)
    return await platform.campaign_row(campaign)


@router.get("/numbers", response_model=Page[NumberView])
async def search_numbers(
    _admin: AdminUser,
    platform: PlatformServiceDep,
    params: PageParamsDep,
    user_id: Id | None = None,
    provider: ProviderName | None = None,
    status: SenderStatus | None = None,
    suspended: bool | None = None,
    phone: Annotated[str | None, Query(max_length=32)] = None,
) -> Page[NumberView]:
    """Every linked WhatsApp number, newest first."""
    where = NumberFilter(
        user_id=user_id, provider=provider, status=status, suspended=suspended, phone=phone
    )
    return await platform.search_numbers(where, params)


@router.post(
    "/numbers/{sender_id}/suspend",
    response_model=NumberView,
    responses=problem_responses(404, 409),
)
async def suspend_number(
    sender_id: PathId,
    data: AdminReason,
    admin: AdminUser,
    platform: PlatformServiceDep,
    client: ClientInfoDep,
) -> NumberView:
    """Stop the platform sending from this number: no worker sends from it (one message already
    on its way finishes), its running campaigns pause with the reason, and none can start on it
    until it is restored."""
    sender = await platform.suspend_number(admin, sender_id, reason=data.reason, client=client)
    return NumberView.model_validate(sender)


@router.post(
    "/numbers/{sender_id}/restore",
    response_model=NumberView,
    responses=problem_responses(404, 409),
)
async def restore_number(
    sender_id: PathId, admin: AdminUser, platform: PlatformServiceDep, client: ClientInfoDep
) -> NumberView:
    """Lift a suspension; the campaigns it paused stay paused until their owner resumes them."""
    sender = await platform.restore_number(admin, sender_id, client=client)
    return NumberView.model_validate(sender)


@router.get("/system", response_model=SystemStatus)
async def read_system_status(
    _admin: AdminUser, runtime: RuntimeDep, session: SessionDep
) -> SystemStatus:
    """Workers alive with the numbers each holds, job queues and failed jobs, numbers by provider
    and state, whether the database and Redis answer, and how late due sends are. The same
    figures are on `/metrics` for Prometheus."""
    return await system_status(runtime, session)
