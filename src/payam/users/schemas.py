from __future__ import annotations

from datetime import datetime
from zoneinfo import available_timezones

from pydantic import EmailStr, Field, field_validator

from payam.auth.password_policy import NewPassword
from payam.auth.schemas import Name, PhoneInput, Username
from payam.kit.schemas import InputSchema, Schema


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
    last_used_at: datetime = Field(
        description="When this device last signed in or refreshed its tokens"
    )
    device: str | None = Field(
        description='Browser and system read from user_agent, e.g. "Chrome on Windows"; '
        "null when not recognised",
        examples=["Chrome on Windows"],
    )
    user_agent: str | None
    ip_address: str | None = Field(description="The address this device last came from")
    current: bool
