from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import available_timezones

from pydantic import EmailStr, Field, StringConstraints, field_validator

from payam.auth.password_policy import NewPassword
from payam.kit.schemas import InputSchema, Schema, SingleLineText
from payam.models import UserRole, UserStatus

Name = SingleLineText
# A letter first, so a username can never be mistaken for a phone number or an e-mail. The pattern
# sees the input before to_lower, so it must admit capitals: "Sara" is stored and found as "sara".
Username = Annotated[
    str,
    StringConstraints(
        min_length=3, max_length=32, pattern=r"^[A-Za-z][A-Za-z0-9_.]*$", to_lower=True
    ),
]
PhoneInput = Annotated[str, StringConstraints(min_length=3, max_length=32)]


class User(Schema):
    id: int
    name: str
    username: str | None
    email: str | None = Field(
        description="None once another account took it over before you verified it"
    )
    phone: str | None = Field(
        description="None once another account took it over before you verified it"
    )
    role: UserRole
    status: UserStatus
    phone_verified: bool
    email_verified: bool
    subscription_active: bool
    subscription_expires_at: datetime | None
    time_zone: str
    locale: str
    created_at: datetime


class UserUpdate(InputSchema):
    name: Name | None = None
    username: Username | None = None
    email: EmailStr | None = None
    phone: PhoneInput | None = None
    time_zone: str | None = Field(default=None, examples=["Asia/Tehran"])
    locale: str | None = Field(default=None, pattern=r"^(fa|en)$")

    @field_validator("time_zone")
    @classmethod
    def _known_time_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in available_timezones():
            raise ValueError("unknown time zone; use an IANA name such as Asia/Tehran")
        return value


class PasswordChange(InputSchema):
    current_password: str = Field(max_length=128)
    new_password: NewPassword


class Session(Schema):
    id: str
    created_at: datetime
    last_used_at: datetime
    user_agent: str | None
    ip_address: str | None
    current: bool
