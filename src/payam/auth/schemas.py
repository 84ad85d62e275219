from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from payam.auth.password_policy import NewPassword
from payam.kit.clock import utc_now
from payam.kit.schemas import InputSchema, Schema, SingleLineText, latin_digits
from payam.models import OtpChannel, OtpPurpose, UserRole, UserStatus
from payam.models import User as UserModel

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


Login = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255),
    Field(description="The account's e-mail, username or phone number"),
]
Code = Annotated[
    str,
    AfterValidator(latin_digits),
    StringConstraints(pattern=r"^\d{6}$"),
    Field(description="The six-digit code (Persian and Arabic digits are accepted)"),
]


class Registration(InputSchema):
    name: Name
    username: Username
    email: EmailStr
    phone: PhoneInput = Field(examples=["09121234567"])
    password: NewPassword


class LoginRequest(InputSchema):
    login: Login
    password: str = Field(max_length=128)
    use_cookies: bool = Field(
        default=False,
        description="Browsers: receive the tokens as httpOnly cookies instead of in the body",
    )


class RefreshRequest(InputSchema):
    refresh_token: str | None = Field(
        default=None, max_length=256, description="Omit it when the refresh cookie is used"
    )
    use_cookies: bool = False


class TokenPair(Schema):
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a scheme name
    access_token: str | None = Field(description="Absent when the tokens were set as cookies")
    refresh_token: str | None = Field(description="Absent when the tokens were set as cookies")
    access_expires_at: datetime
    refresh_expires_at: datetime
    csrf_token: str | None = Field(
        description="With cookies: send it in the X-CSRF-Token header of every change"
    )


class OtpRequest(InputSchema):
    purpose: OtpPurpose
    login: Login
    channel: OtpChannel | None = Field(
        default=None,
        description=(
            "Where to send a sign-in or reset code; verification codes go where they verify"
        ),
    )


class OtpRequested(Schema):
    detail: str
    expires_in_seconds: int


class OtpVerification(InputSchema):
    purpose: OtpPurpose
    login: Login
    code: Code
    new_password: NewPassword | None = Field(default=None, description="For PASSWORD_RESET")
    use_cookies: bool = False


class OtpVerified(Schema):
    purpose: OtpPurpose
    tokens: TokenPair | None = Field(default=None, description="For LOGIN: the new session")


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


def to_user_schema(user: UserModel) -> User:
    """The account as its owner (or an admin) sees it."""
    schema = User.model_validate(user)
    # Expiry is a matter of time, not of a job having run: the flag is read against the clock.
    expires_at = user.subscription_expires_at
    active = user.subscription_active and expires_at is not None and expires_at > utc_now()
    return schema.model_copy(update={"subscription_active": active})
