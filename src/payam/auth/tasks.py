"""The one-time code jobs, declared in every process by ``payam.background``'s import."""

from __future__ import annotations

from datetime import timedelta

import structlog

from payam.auth.delivery import deliver, unseal
from payam.auth.repository import AuthRepository
from payam.db.session import transaction
from payam.jobs import current_attempt, job, job_runtime
from payam.kit.clock import utc_now
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

NOTIFY_QUEUE = "notify"


class CodeNotSentYet(Exception):
    """A try failed and the deadline is not reached: the queue tries again after a pause."""


@job(name="auth.deliver_code", queue_name=NOTIFY_QUEUE, max_retries=4, min_backoff_ms=500)
async def deliver_code(code_id: int, sealed: str, locale: str) -> None:
    """Send a code whose first try failed: again with growing pauses (about 0.5, 1, 2 and 4 s
    and some jitter), never after its deadline; if none succeeds, the code is marked so that
    checking it tells the person it was not delivered."""
    runtime = job_runtime()
    settings = runtime.settings
    async with transaction(runtime.sessionmaker) as session:
        code = await AuthRepository(session).code(code_id)
    if code is None or code.consumed_at is not None or code.undelivered_at is not None:
        return  # used, replaced by a newer code, or already given up on
    deadline = min(
        code.expires_at,
        code.created_at + timedelta(seconds=settings.otp_delivery_deadline_seconds),
    )
    if utc_now() >= deadline:
        await _give_up(runtime, code_id, reason="deadline passed")
        return
    sent = await deliver(
        code,
        unseal(sealed, code_id=code_id, signing_key=settings.signing_key),
        sms_sender=runtime.sms_sender,
        email_sender=runtime.email_sender,
        settings=settings,
        locale=locale,
        attempt=current_attempt().retries + 2,  # the first try was the request's own
    )
    if sent:
        logger.info("otp_delivered", code_id=code_id)
    elif current_attempt().is_last:
        await _give_up(runtime, code_id, reason="every try failed")
    else:
        raise CodeNotSentYet(f"code {code_id} not sent yet")


async def _give_up(runtime: Runtime, code_id: int, *, reason: str) -> None:
    async with transaction(runtime.sessionmaker) as session:
        await AuthRepository(session).mark_undelivered(code_id, now=utc_now())
    logger.warning("otp_undelivered", code_id=code_id, reason=reason)
