from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from payam.notify.email import ConsoleEmailSender, SmtpEmailSender
from payam.notify.factory import build_email_sender, build_sms_sender
from payam.notify.sms import ConsoleSmsSender, HttpGatewaySmsSender, KavenegarSmsSender

from .helpers import make_settings


@pytest.fixture
async def http_client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as client:
        yield client


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"sms_provider": "console"}, ConsoleSmsSender),
        (
            {"sms_provider": "kavenegar", "kavenegar_api_key": SecretStr("k-123")},
            KavenegarSmsSender,
        ),
        (
            {"sms_provider": "http", "sms_http_url": "https://sms.example/send"},
            HttpGatewaySmsSender,
        ),
    ],
)
def test_sms_sender_follows_the_provider(
    overrides: dict[str, Any], expected: type, http_client: httpx.AsyncClient
) -> None:
    sender = build_sms_sender(make_settings(**overrides), http_client=http_client)

    assert type(sender) is expected


@pytest.mark.parametrize("missing_key", [None, SecretStr("")])
def test_kavenegar_without_key_names_the_variable(
    missing_key: SecretStr | None, http_client: httpx.AsyncClient
) -> None:
    settings = make_settings(sms_provider="kavenegar", kavenegar_api_key=missing_key)

    with pytest.raises(ValueError, match="PAYAM_KAVENEGAR_API_KEY"):
        build_sms_sender(settings, http_client=http_client)


def test_http_gateway_without_url_names_the_variable(http_client: httpx.AsyncClient) -> None:
    settings = make_settings(sms_provider="http", sms_http_url=None)

    with pytest.raises(ValueError, match="PAYAM_SMS_HTTP_URL"):
        build_sms_sender(settings, http_client=http_client)


@pytest.mark.parametrize(
    ("provider", "expected"), [("console", ConsoleEmailSender), ("smtp", SmtpEmailSender)]
)
def test_email_sender_follows_the_provider(provider: str, expected: type) -> None:
    sender = build_email_sender(make_settings(email_provider=provider))

    assert type(sender) is expected
