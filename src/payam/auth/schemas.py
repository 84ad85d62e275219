from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, EmailStr, Field, StringConstraints

from payam.auth.password_policy import NewPassword
from payam.kit.schemas import InputSchema, Schema, latin_digits
from payam.models import OtpChannel, OtpPurpose
from payam.users.schemas import Name, PhoneInput, Username

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
