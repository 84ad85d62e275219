from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from pydantic import Field

from payam.audit.schemas import AuditEntry
from payam.auth.schemas import User
from payam.billing.schemas import PaymentView, SubscriptionView
from payam.kit.schemas import InputSchema, Schema
from payam.models import (
    CampaignStatus,
    GrantSource,
    OtpChannel,
    ProviderName,
    SenderStatus,
    UserRole,
    UserStatus,
)


class UserStatusChange(InputSchema):
    status: UserStatus
    reason: str | None = Field(default=None, max_length=500)


class UserRoleChange(InputSchema):
    role: UserRole


class SubscriptionState(StrEnum):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    NONE = "NONE"


class UserSort(StrEnum):
    """A column to sort users by; ``-`` before it sorts from the largest (newest) down."""

    ID = "id"
    NAME = "name"
    USERNAME = "username"
    EMAIL = "email"
    PHONE = "phone"
    ROLE = "role"
    STATUS = "status"
    CREATED_AT = "created_at"
    LAST_LOGIN_AT = "last_login_at"
    SUBSCRIPTION_EXPIRES_AT = "subscription_expires_at"
    MESSAGES_THIS_MONTH = "messages_this_month"


class UserRow(User):
    """A user as the admins' table shows it."""

    last_login_at: datetime | None
    messages_this_month: int = Field(description="messages sent since the 1st of this month, UTC")


class PasswordResetSent(Schema):
    channel: OtpChannel = Field(description="where the code went")


class GrantView(Schema):
    id: int
    package_id: int
    source: GrantSource
    granted_by_id: int | None
    payment_id: int | None
    reason: str | None
    days: int
    messages: int
    period_ends_at: datetime
    created_at: datetime


class NumberView(Schema):
    id: int
    user_id: int
    display_name: str
    phone: str | None
    provider: ProviderName
    status: SenderStatus
    status_reason: str | None
    suspended_at: datetime | None
    suspended_reason: str | None
    sent_today: int
    lease_owner: str | None = Field(description="the worker holding the number now")
    created_at: datetime


class CampaignRow(Schema):
    id: int
    user_id: int
    owner_name: str = Field(description="the name of the user whose campaign it is")
    title: str | None
    status: CampaignStatus
    status_reason: str | None
    counts: dict[str, int]
    sender_ids: list[int]
    scheduled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    created_at: datetime


class SessionView(Schema):
    id: str
    created_at: datetime
    last_used_at: datetime | None
    user_agent: str | None
    ip_address: str | None


class UserOverview(Schema):
    """A user's whole picture: what an admin needs before acting on the account."""

    user: UserRow
    subscription: SubscriptionView
    grants: list[GrantView] = Field(description="the subscription's history, newest first")
    payments: list[PaymentView] = Field(description="the latest 20, newest first")
    numbers: list[NumberView]
    campaigns_by_status: dict[CampaignStatus, int]
    campaigns: list[CampaignRow] = Field(description="the latest 20, newest first")
    sessions: list[SessionView] = Field(description="signed in now")
    audit: list[AuditEntry] = Field(description="the latest 50 entries by or about the user")


class AdminReason(InputSchema):
    """Why an admin acts: shown to the owner beside the new status, and kept in the audit log."""

    reason: str = Field(min_length=1, max_length=200)
