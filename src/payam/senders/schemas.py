from __future__ import annotations

import re
from datetime import datetime

from pydantic import Field, field_validator, model_validator

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


class SenderCreate(SenderLimits):
    provider: ProviderName = ProviderName.SANDBOX
    display_name: SingleLineText
    phone: str | None = Field(
        default=None, max_length=32, description="Sandbox only: the simulated account's number"
    )


class SenderUpdate(SenderLimits):
    display_name: SingleLineText | None = None
    clear_quiet_hours: bool = False
    clear_pause_every: bool = False


class Sender(Schema):
    id: int
    provider: ProviderName
    display_name: str
    phone: str | None
    status: SenderStatus
    status_reason: str | None
    daily_cap: int
    quiet_hours: QuietHours | None
    pause_every: int | None
    pause_seconds: int
    sent_today: int
    next_send_at: datetime | None
    created_at: datetime
