from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated

from pydantic import Field, HttpUrl, StringConstraints, field_validator, model_validator

from payam.kit.schemas import InputSchema, Schema, SingleLineText
from payam.models import ProviderName, SenderStatus

_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def minutes_from_clock(value: str) -> int:
    match = _CLOCK.match(value)
    if match is None:
        raise ValueError("use 24-hour HH:MM, like 22:30")
    return int(match.group(1)) * 60 + int(match.group(2))


def clock_from_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


class QuietHours(Schema):
    """No messages between ``start`` and ``end`` in the user's time zone (may span midnight)."""

    start: str = Field(examples=["22:00"])
    end: str = Field(examples=["08:00"])

    @field_validator("start", "end")
    @classmethod
    def _clock(cls, value: str) -> str:
        minutes_from_clock(value)
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> QuietHours:
        if self.start == self.end:
            raise ValueError("quiet hours need different start and end times")
        return self


class SenderLimits(InputSchema):
    daily_cap: int | None = Field(default=None, ge=1, le=100_000)
    quiet_hours: QuietHours | None = None
    pause_every: int | None = Field(
        default=None, ge=1, le=100_000, description="A longer pause after this many messages"
    )
    pause_seconds: int | None = Field(default=None, ge=1, le=24 * 3600)
    warmup_days: int | None = Field(
        default=None,
        ge=0,
        le=60,
        description=(
            "Days over which the daily cap grows to its full value from the day the number was"
            " first connected; 0 turns warm-up off (the daily cap holds from day 1). New WhatsApp"
            " Web numbers get the server's default, Cloud API and sandbox numbers none."
        ),
    )


# "typing…" before each send, at most: a short pause reads human, a long one only slows the
# number (the worker also keeps it within a quarter of the send timeout).
MAX_TYPING_SECONDS = 10


class WebSenderSettings(InputSchema):
    typing_seconds: float | None = Field(
        default=None,
        ge=0,
        le=MAX_TYPING_SECONDS,
        description=(
            'WhatsApp Web numbers only: show "typing…" to the recipient this many seconds'
            " before each message (0: never). Unset, the server's default"
            " (PAYAM_WEB_TYPING_SECONDS) holds. Applies from the number's next message."
        ),
    )


_GRAPH_ID = r"^[0-9]{1,32}$"
_SECRET = StringConstraints(strip_whitespace=True, min_length=8, max_length=1024)


class CloudCredentials(InputSchema):
    """A Cloud API number, as Meta's WhatsApp Manager and app dashboard show it.

    The access token, app secret and verify token are stored encrypted and never shown again
    in full.
    """

    phone_number_id: str = Field(pattern=_GRAPH_ID, examples=["106540352242922"])
    waba_id: str = Field(pattern=_GRAPH_ID, description="The WhatsApp Business Account id")
    access_token: Annotated[str, _SECRET] = Field(description="A system user's permanent token")
    app_secret: Annotated[str, _SECRET] = Field(description="Signs the webhooks Meta sends")
    verify_token: Annotated[str, _SECRET] = Field(
        description="Any text you choose; type the same in the app's webhook settings"
    )
    graph_base_url: HttpUrl | None = Field(
        default=None, description="Another Graph API address (a proxy, a test server)"
    )


class CloudCredentialsUpdate(InputSchema):
    """New credentials for a Cloud API number; what is left out stays as it is."""

    access_token: Annotated[str, _SECRET] | None = None
    app_secret: Annotated[str, _SECRET] | None = None
    verify_token: Annotated[str, _SECRET] | None = None
    graph_base_url: HttpUrl | None = None


class SenderCreate(SenderLimits, WebSenderSettings):
    provider: ProviderName = ProviderName.SANDBOX
    display_name: SingleLineText
    phone: str | None = Field(
        default=None, max_length=32, description="Sandbox only: the simulated account's number"
    )
    cloud: CloudCredentials | None = Field(
        default=None, description="Cloud API numbers only (and required for them)"
    )


class SenderUpdate(SenderLimits, WebSenderSettings):
    display_name: SingleLineText | None = None
    clear_quiet_hours: bool = False
    clear_pause_every: bool = False
    cloud: CloudCredentialsUpdate | None = Field(
        default=None, description="Cloud API numbers only: checked with Meta, then connected"
    )


class CloudDetails(Schema):
    """A Cloud API number's settings; its secrets only by their last characters."""

    phone_number_id: str
    waba_id: str
    graph_base_url: str
    access_token: str = Field(examples=["…x9Qz"])
    app_secret: str
    verify_token: str
    webhook_url: str = Field(description="The callback URL to give Meta's app dashboard")


class Sender(Schema):
    id: int
    provider: ProviderName
    display_name: str
    phone: str | None
    status: SenderStatus
    status_reason: str | None
    daily_cap: int
    daily_cap_today: int = Field(
        description="The cap that holds today: lower than daily_cap while the number warms up"
    )
    warmup_days: int = Field(description="Days the warm-up lasts (0: none)")
    warmup_day: int | None = Field(
        description="Which day of its warm-up today is (1 = first connected), null once over"
    )
    connected_at: datetime | None = Field(description="When the number was first connected")
    quiet_hours: QuietHours | None
    pause_every: int | None
    pause_seconds: int
    sent_today: int
    next_send_at: datetime | None
    created_at: datetime
    typing_seconds: float | None = Field(
        default=None,
        description='WhatsApp Web numbers: seconds of "typing…" before each message; null: the'
        " server's default",
    )
    cloud: CloudDetails | None = None


class WhatsAppTemplate(Schema):
    """A message template of the number's WhatsApp Business Account, as Meta lists it."""

    name: str
    language: str = Field(examples=["fa", "en_US"])
    status: str = Field(description="Only APPROVED templates can be sent", examples=["APPROVED"])
    category: str = Field(examples=["MARKETING", "UTILITY"])
    body: str = Field(examples=["سلام {{1}}، سفارش {{2}} آماده است."])
    parameters: int = Field(description="How many values the body takes ({{1}}, {{2}}, …)")


class PairingCodeRequest(InputSchema):
    """Link a WhatsApp Web number by code instead of QR: the number that will type it."""

    phone: str = Field(max_length=32, examples=["+989121234567"])


class PairingCode(Schema):
    code: str = Field(
        description="Type it in WhatsApp: Linked devices, Link a device, Link with phone number"
    )


class LinkQr(Schema):
    """The QR code to scan in WhatsApp (Linked devices, Link a device); a new one replaces it
    every 20 seconds or so (also sent on the live socket as ``sender.qr``)."""

    code: str = Field(description="The text to render as a QR code")
    svg: str = Field(description="The QR code as an SVG data URI")
    png: str = Field(description="The QR code as a PNG data URI")
    issued_at: datetime
