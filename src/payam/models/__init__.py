"""ORM models, kept in one package so features can refer to each other's tables without cycles."""

from payam.models.audit import AuditLogEntry
from payam.models.auth import AuthSession, OneTimeCode, OtpChannel, OtpPurpose, RefreshToken
from payam.models.billing import (
    GrantSource,
    Invoice,
    Payment,
    PaymentEvent,
    PaymentStatus,
    QuotaReservation,
    ReservationStatus,
    SandboxCharge,
    Subscription,
    SubscriptionGrant,
)
from payam.models.campaign import Campaign, CampaignStatus, Recipient, RecipientStatus
from payam.models.package import Package, PackageStatus
from payam.models.user import User, UserRole, UserStatus

__all__ = [
    "AuditLogEntry",
    "AuthSession",
    "Campaign",
    "CampaignStatus",
    "GrantSource",
    "Invoice",
    "OneTimeCode",
    "OtpChannel",
    "OtpPurpose",
    "Package",
    "PackageStatus",
    "Payment",
    "PaymentEvent",
    "PaymentStatus",
    "QuotaReservation",
    "Recipient",
    "RecipientStatus",
    "RefreshToken",
    "ReservationStatus",
    "SandboxCharge",
    "Subscription",
    "SubscriptionGrant",
    "User",
    "UserRole",
    "UserStatus",
]
