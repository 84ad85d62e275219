"""Builds the SMS and email senders that the settings ask for."""

from __future__ import annotations

from typing import assert_never

import httpx

from payam.config import EmailProvider, Settings, SmsProvider
from payam.notify.email import ConsoleEmailSender, EmailSender, SmtpEmailSender
from payam.notify.sms import (
    ConsoleSmsSender,
    HttpGatewaySmsSender,
    KavenegarSmsSender,
    SmsSender,
)

SECONDS_PER_MINUTE = 60


def build_sms_sender(settings: Settings, *, http_client: httpx.AsyncClient) -> SmsSender:
    match settings.sms_provider:
        case SmsProvider.CONSOLE:
            return ConsoleSmsSender()
        case SmsProvider.KAVENEGAR:
            api_key = (
                settings.kavenegar_api_key.get_secret_value() if settings.kavenegar_api_key else ""
            )
            if not api_key:
                raise ValueError(
                    "PAYAM_KAVENEGAR_API_KEY must be set when PAYAM_SMS_PROVIDER is kavenegar"
                )
            return KavenegarSmsSender(
                api_key=api_key,
                template=settings.kavenegar_template,
                base_url=settings.kavenegar_base_url,
                http_client=http_client,
            )
        case SmsProvider.HTTP:
            if not settings.sms_http_url:
                raise ValueError("PAYAM_SMS_HTTP_URL must be set when PAYAM_SMS_PROVIDER is http")
            token = settings.sms_http_token.get_secret_value() if settings.sms_http_token else None
            return HttpGatewaySmsSender(
                url=settings.sms_http_url,
                token=token or None,
                http_client=http_client,
                ttl_minutes=_ttl_minutes(settings),
            )
        case _:
            assert_never(settings.sms_provider)


def build_email_sender(settings: Settings) -> EmailSender:
    match settings.email_provider:
        case EmailProvider.CONSOLE:
            return ConsoleEmailSender()
        case EmailProvider.SMTP:
            return SmtpEmailSender(settings)
        case _:
            assert_never(settings.email_provider)


def _ttl_minutes(settings: Settings) -> int:
    # Rounded down so the text never promises more time than the code has; a code that lives
    # under a minute still reads "1 minute" rather than "0".
    return max(1, settings.otp_ttl_seconds // SECONDS_PER_MINUTE)
