"""ORM models, kept in one package so features can refer to each other's tables without cycles."""

from payam.models.api_key import ApiKey
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
from payam.models.campaign import (
    COUNTER_COLUMNS,
    Campaign,
    CampaignSender,
    CampaignStatus,
    CopyKind,
    Recipient,
    RecipientStatus,
)
from payam.models.cloud_whatsapp import CloudWebhookEvent
from payam.models.contact_import import ContactImport, ImportStatus
from payam.models.media import MediaFile, MediaKind
from payam.models.package import Package, PackageStatus
from payam.models.presence import WhatsAppPresence
from payam.models.sandbox_whatsapp import SandboxMessage
from payam.models.sender import ProviderName, Sender, SenderStatus, Suppression
from payam.models.stats import MessageDay
from payam.models.user import User, UserRole, UserStatus
from payam.models.web_whatsapp import WebSentMessage
from payam.models.webhook import (
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

__all__ = [
    "COUNTER_COLUMNS",
    "ApiKey",
    "AuditLogEntry",
    "AuthSession",
    "Campaign",
    "CampaignSender",
    "CampaignStatus",
    "CloudWebhookEvent",
    "ContactImport",
    "CopyKind",
    "DeliveryStatus",
    "GrantSource",
    "ImportStatus",
    "Invoice",
    "MediaFile",
    "MediaKind",
    "MessageDay",
    "OneTimeCode",
    "OtpChannel",
    "OtpPurpose",
    "Package",
    "PackageStatus",
    "Payment",
    "PaymentEvent",
    "PaymentStatus",
    "ProviderName",
    "QuotaReservation",
    "Recipient",
    "RecipientStatus",
    "RefreshToken",
    "ReservationStatus",
    "SandboxCharge",
    "SandboxMessage",
    "Sender",
    "SenderStatus",
    "Subscription",
    "SubscriptionGrant",
    "Suppression",
    "User",
    "UserRole",
    "UserStatus",
    "WebSentMessage",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookEvent",
    "WhatsAppPresence",
]
