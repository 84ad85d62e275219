from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage as MimeMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from pydantic import SecretStr

from payam.config import Settings
from payam.models.auth import OtpPurpose
from payam.notify.email import (
    ConsoleEmailSender,
    EmailDeliveryError,
    EmailMessage,
    SmtpEmailSender,
)
from payam.notify.messages import code_email
from tests.support import free_port

from .helpers import make_settings

SENDER = "Payam <no-reply@payam.test>"
RECIPIENT = "reza@example.com"


@dataclass
class Delivered:
    mail_from: str
    rcpt_tos: list[str]
    message: MimeMessage


@dataclass
class RecordingHandler:
    """aiosmtpd handler that keeps every message it accepts."""

    delivered: list[Delivered] = field(default_factory=list)
    refuse_recipients: bool = False

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if self.refuse_recipients:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(parsed, MimeMessage)
        self.delivered.append(Delivered(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        return "250 Message accepted for delivery"


@dataclass
class RecordingAuthenticator:
    logins: list[tuple[str, str]] = field(default_factory=list)

    def __call__(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login = (auth_data.login.decode(), auth_data.password.decode())
        self.logins.append(login)
        # handled=False makes aiosmtpd send the 535 refusal itself.
        return AuthResult(success=login == ("payam", "smtp-secret"), handled=False)


@dataclass
class SmtpServer:
    port: int
    handler: RecordingHandler
    authenticator: RecordingAuthenticator


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    handler = RecordingHandler()
    authenticator = RecordingAuthenticator()
    port = free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        authenticator=authenticator,
        # Plain-text AUTH is fine on loopback and keeps certificates out of the test.
        auth_require_tls=False,
    )
    controller.start()
    try:
        yield SmtpServer(port=port, handler=handler, authenticator=authenticator)
    finally:
        controller.stop()


def smtp_settings(port: int, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "email_provider": "smtp",
        "email_from": SENDER,
        "smtp_host": "127.0.0.1",
        "smtp_port": port,
        "smtp_starttls": False,
        "smtp_use_tls": False,
        "smtp_username": None,
        "smtp_password": None,
        "smtp_timeout_seconds": 2.0,
    }
    return make_settings(**(values | overrides))


def login_code_email() -> EmailMessage:
    return code_email(to=RECIPIENT, code="482913", purpose=OtpPurpose.LOGIN, ttl_minutes=5)


async def test_smtp_delivers_the_code(smtp_server: SmtpServer) -> None:
    message = login_code_email()

    await SmtpEmailSender(smtp_settings(smtp_server.port)).send(message)

    [delivered] = smtp_server.handler.delivered
    assert delivered.mail_from == "no-reply@payam.test"
    assert delivered.rcpt_tos == [RECIPIENT]
    assert delivered.message["From"] == SENDER
    assert delivered.message["To"] == RECIPIENT
    assert delivered.message["Subject"] == message.subject
    assert "482913" in delivered.message.get_content()
    assert smtp_server.authenticator.logins == []


async def test_smtp_signs_in_with_the_configured_credentials(smtp_server: SmtpServer) -> None:
    settings = smtp_settings(
        smtp_server.port, smtp_username="payam", smtp_password=SecretStr("smtp-secret")
    )

    await SmtpEmailSender(settings).send(login_code_email())

    assert smtp_server.authenticator.logins == [("payam", "smtp-secret")]
    assert len(smtp_server.handler.delivered) == 1


async def test_smtp_wrong_password_is_an_error(smtp_server: SmtpServer) -> None:
    settings = smtp_settings(
        smtp_server.port, smtp_username="payam", smtp_password=SecretStr("not-it")
    )

    with pytest.raises(EmailDeliveryError, match="535") as raised:
        await SmtpEmailSender(settings).send(login_code_email())

    assert "not-it" not in str(raised.value)
    assert smtp_server.handler.delivered == []


async def test_smtp_refused_recipient_is_an_error(smtp_server: SmtpServer) -> None:
    smtp_server.handler.refuse_recipients = True

    with pytest.raises(EmailDeliveryError, match="No such user"):
        await SmtpEmailSender(smtp_settings(smtp_server.port)).send(login_code_email())

    assert smtp_server.handler.delivered == []


async def test_smtp_with_nothing_listening_is_an_error() -> None:
    port = free_port()

    with pytest.raises(EmailDeliveryError, match=f"127.0.0.1:{port}"):
        await SmtpEmailSender(smtp_settings(port)).send(login_code_email())


async def test_console_email_shows_the_code(capsys: pytest.CaptureFixture[str]) -> None:
    message = login_code_email()

    await ConsoleEmailSender().send(message)

    printed = capsys.readouterr().out
    assert f"[payam] Email to {RECIPIENT}: {message.subject}" in printed
    assert "482913" in printed
