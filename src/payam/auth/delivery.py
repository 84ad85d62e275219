"""Sending a one-time code: by SMS or e-mail, and sealed while it waits in the job queue.

The first try is made as soon as the request that made the code has committed (the person is
waiting for it); if the gateway fails, ``payam.auth.tasks.deliver_code`` tries again a few
times before the deadline, and records a code no try delivered (decision 4, amended).
"""

from __future__ import annotations

import hashlib
import hmac

import structlog

from payam.config import Settings
from payam.models import OneTimeCode, OtpChannel
from payam.notify.email import EmailDeliveryError, EmailSender
from payam.notify.messages import code_email
from payam.notify.sms import SmsDeliveryError, SmsSender

logger = structlog.get_logger(__name__)


def _pad(code_id: int, *, signing_key: str) -> bytes:
    context = f"otp-delivery:{code_id}".encode()
    return hmac.new(signing_key.encode(), context, hashlib.sha256).digest()


def seal(code: str, *, code_id: int, signing_key: str) -> str:
    """The code as the queue carries it (and a failed job's log shows it): unreadable without
    the key. One code per row id, so each pad is used once."""
    pad = _pad(code_id, signing_key=signing_key)
    return bytes(a ^ b for a, b in zip(code.encode(), pad, strict=False)).hex()


def unseal(sealed: str, *, code_id: int, signing_key: str) -> str:
    pad = _pad(code_id, signing_key=signing_key)
    return bytes(a ^ b for a, b in zip(bytes.fromhex(sealed), pad, strict=False)).decode()


async def deliver(
    row: OneTimeCode,
    code: str,
    *,
    sms_sender: SmsSender,
    email_sender: EmailSender,
    settings: Settings,
    locale: str,
    attempt: int,
) -> bool:
    """Hand the code to its gateway; False (and logged, without the code) when refused."""
    try:
        if row.channel is OtpChannel.SMS:
            await sms_sender.send_code(phone=row.destination, code=code, purpose=row.purpose)
        else:
            ttl_minutes = max(1, settings.otp_ttl_seconds // 60)
            await email_sender.send(
                code_email(
                    to=row.destination,
                    code=code,
                    purpose=row.purpose,
                    locale=locale,
                    ttl_minutes=ttl_minutes,
                )
            )
    except (SmsDeliveryError, EmailDeliveryError) as error:
        logger.warning(
            "otp_delivery_failed",
            code_id=row.id,
            channel=row.channel.value,
            purpose=row.purpose.value,
            attempt=attempt,
            error=str(error),
        )
        return False
    return True
