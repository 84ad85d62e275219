"""Email senders for one-time codes: the console (development) and SMTP."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage as MimeMessage
from typing import Protocol

import aiosmtplib
import structlog

from payam.config import Settings

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class EmailMessage:
    to: str
    subject: str
    text: str


class EmailDeliveryError(Exception):
    """The mail server did not accept the message."""


class EmailSender(Protocol):
    async def send(self, message: EmailMessage) -> None:
        """Hand ``message`` to the mail system or raise EmailDeliveryError."""
        ...


class ConsoleEmailSender:
    """Shows the email to the person running Payam locally, who has no mail server."""

    async def send(self, message: EmailMessage) -> None:
        print(
            f"[payam] Email to {message.to}: {message.subject}\n{message.text}",
            flush=True,
        )
        logger.info("email.console", to=message.to, subject=message.subject, text=message.text)


class SmtpEmailSender:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def __repr__(self) -> str:
        return (
            f"SmtpEmailSender(host={self._settings.smtp_host!r}, port={self._settings.smtp_port})"
        )

    async def send(self, message: EmailMessage) -> None:
        settings = self._settings
        mime = MimeMessage()
        mime["From"] = settings.email_from
        mime["To"] = message.to
        mime["Subject"] = message.subject
        mime.set_content(message.text)
        server = f"{settings.smtp_host}:{settings.smtp_port}"
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        try:
            await aiosmtplib.send(
                mime,
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=password,
                use_tls=settings.smtp_use_tls,
                # False, not None: None would let aiosmtplib upgrade on its own when offered,
                # and a certificate check nobody asked for would then refuse to send.
                # Implicit TLS already encrypts, so STARTTLS on top of it is never wanted.
                start_tls=settings.smtp_starttls and not settings.smtp_use_tls,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPTimeoutError as exc:
            raise EmailDeliveryError(f"the mail server at {server} did not answer in time") from exc
        except (aiosmtplib.SMTPConnectError, OSError) as exc:
            raise EmailDeliveryError(f"could not reach the mail server at {server}: {exc}") from exc
        except aiosmtplib.SMTPException as exc:
            raise EmailDeliveryError(
                f"the mail server at {server} refused the message: {exc}"
            ) from exc
        logger.info("email.smtp.sent", subject=message.subject)
