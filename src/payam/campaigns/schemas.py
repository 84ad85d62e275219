from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import Field, StringConstraints

from payam.kit.ids import Id
from payam.kit.schemas import InputSchema, Schema, SingleLineText
from payam.models import CampaignStatus, CopyKind, RecipientStatus

MessageText = Annotated[str, StringConstraints(min_length=1, max_length=4096)]


class WhatsAppTemplateChoice(InputSchema):
    """An approved template of the numbers' WhatsApp Business Account (Cloud API numbers only),
    sent instead of the message; checked with Meta when the campaign starts."""

    name: str = Field(pattern=r"^[a-z0-9_]{1,512}$", examples=["order_ready"])
    language: str = Field(pattern=r"^[a-z]{2,3}(_[A-Z]{2})?$", examples=["fa", "en_US"])
    variables: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list,
        max_length=50,
        description="The recipient column for {{1}}, {{2}}, … in order: name, phone or a column "
        "of the imported list",
    )


class CampaignCreate(InputSchema):
    title: SingleLineText
    message: MessageText = Field(
        description="Variables {{name|fallback}}, any mapped column, and spintax {Hi|Hello}"
    )
    interval_seconds: int = Field(default=10, description="One of PAYAM_ALLOWED_INTERVALS")
    sender_ids: list[Id] = Field(default_factory=list, max_length=50)
    media_id: Id | None = None
    whatsapp_template: WhatsAppTemplateChoice | None = None


class CampaignUpdate(InputSchema):
    title: SingleLineText | None = None
    message: MessageText | None = None
    interval_seconds: int | None = None
    sender_ids: list[Id] | None = Field(default=None, max_length=50)
    media_id: Id | None = None
    remove_media: bool = False
    whatsapp_template: WhatsAppTemplateChoice | None = None
    remove_whatsapp_template: bool = False


class CampaignStart(InputSchema):
    scheduled_at: datetime | None = Field(
        default=None, description="Start later; omit to start now"
    )


class Counts(Schema):
    """How many recipients are in each state now (each recipient is in exactly one)."""

    total: int
    pending: int
    sending: int
    sent: int
    delivered: int
    read: int
    failed: int
    skipped: int
    unknown: int


class Campaign(Schema):
    id: int
    title: str | None
    message: str
    interval_seconds: int
    status: CampaignStatus
    status_reason: str | None
    sender_ids: list[int]
    media_id: int | None
    whatsapp_template: WhatsAppTemplateChoice | None = None
    is_connected: bool = Field(description="At least one of its numbers is connected")
    counts: Counts
    scheduled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    estimated_finish_at: datetime | None
    source_campaign_id: int | None = Field(description="The campaign this one was copied from")
    copy_kind: CopyKind | None = Field(
        description="DUPLICATE (every recipient again) or RETRY (the failed and unknown ones) "
        "of source_campaign_id; null for a campaign composed from scratch"
    )
    created_at: datetime
    updated_at: datetime


class RetryDraft(Campaign):
    may_have_received: int = Field(
        description="Recipients copied whose outcome was UNKNOWN: the message may have reached "
        "them already, so warn before starting"
    )


class RecipientView(Schema):
    id: int
    phone: str
    name: str | None
    variables: dict[str, Any]
    status: RecipientStatus
    attempt: int
    error: str | None
    sent_at: datetime | None
    delivered_at: datetime | None
    read_at: datetime | None


class Preview(Schema):
    recipient_id: int | None
    phone: str | None
    text: str
    missing_variables: list[str]


class TestSend(InputSchema):
    sender_id: Id | None = Field(default=None, description="Default: the campaign's first")
    recipient_id: Id | None = Field(
        default=None, description="Fill the variables from this recipient"
    )


class TestSent(Schema):
    to: str
    text: str
    message_id: str
