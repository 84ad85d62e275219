"""The delivery loop every worker runs: it notices events, packs them into deliveries, and
sends each due delivery, signed, outside any transaction.

One pass, every PAYAM_WEBHOOK_POLL_SECONDS:

1. **Notice** (one transaction, the enabled endpoints locked so one worker at a time does it):
   changes the database already holds become events for endpoints that have not heard of them:
   campaigns that started, campaigns and numbers whose status is not the one last told, imports
   finished, numbers that opted out. Recipients' fates and the user's pauses were written as
   events by the change itself (``payam.webhooks.outbox``). Then events waiting for a delivery
   are packed: each campaign, number or import event alone; recipient events together, one
   batch per endpoint a second at most.
2. **Send**: each due delivery is leased (a conditional UPDATE, committed), posted
   (``payam.webhooks.outbound``), and its attempt recorded. A worker killed mid-send leaves the
   lease to run out; the next pass sends it again, with the same ``webhook-id`` so the receiver
   can tell. A failure is retried with exponential backoff (PAYAM_WEBHOOK_RETRY_FIRST_SECONDS,
   times four each time, at most ten hours apart) until PAYAM_WEBHOOK_RETRY_HOURS after the
   delivery was made; an endpoint that keeps failing is disabled and its owner told by e-mail.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from payam.config import Settings
from payam.db.session import transaction
from payam.kit.clock import utc_now
from payam.kit.credentials import CredentialBox, CredentialUnreadable
from payam.models import DeliveryStatus, User, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from payam.notify.email import EmailMessage
from payam.runtime import Runtime
from payam.webhooks.events import CAMPAIGN_EVENTS, SENDER_EVENTS, EventType
from payam.webhooks.outbound import Answer, new_client, post
from payam.webhooks.outbox import campaign_data
from payam.webhooks.repository import WebhookRepository
from payam.webhooks.signing import signed_headers

logger = structlog.get_logger(__name__)

BATCH_EVENTS = 500
BATCH_EVERY = timedelta(seconds=1)
NOTICE_LIMIT = 500
SENDS_PER_PASS = 50
_LONGEST_WAIT = timedelta(hours=10)


def retry_delay(settings: Settings, attempts: int) -> timedelta:
    """How long after its ``attempts``-th failed try a delivery is tried again."""
    seconds = settings.webhook_retry_first_seconds * 4 ** min(attempts - 1, 20)
    return min(timedelta(seconds=seconds), _LONGEST_WAIT)


def _event_row(
    endpoint_id: int, event_type: EventType, subject_id: int, data: dict[str, Any]
) -> dict[str, Any]:
    return {
        "endpoint_id": endpoint_id,
        "type": event_type.value,
        "subject_id": subject_id,
        "data": data,
        "created_at": utc_now(),
    }


class WebhookDeliverer:
    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.settings = runtime.settings
        self.client = new_client(self.settings.webhook_timeout_seconds)
        self.box = CredentialBox(self.settings)

    async def close(self) -> None:
        await self.client.aclose()

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.run_once()
            except Exception:
                logger.exception("webhook_pass_failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.settings.webhook_poll_seconds)

    async def run_once(self) -> int:
        """One pass; how many deliveries it tried."""
        if not await self.prepare():
            return 0
        async with transaction(self.runtime.sessionmaker) as session:
            due = await WebhookRepository(session).due_deliveries(
                now=utc_now(), limit=SENDS_PER_PASS
            )
        await asyncio.gather(*(self.deliver(delivery_id) for delivery_id in due))
        return len(due)

    # ---- noticing and packing ----------------------------------------------------------------

    async def prepare(self) -> bool:
        """Notice and pack; False when no endpoint is enabled (nothing to send either)."""
        async with transaction(self.runtime.sessionmaker) as session:
            repository = WebhookRepository(session)
            endpoints = await repository.lock_enabled()
            if not endpoints:
                return False
            await self._notice(repository)
            now = utc_now()
            for endpoint in endpoints:
                await self._pack(session, repository, endpoint, now=now)
        return True

    async def _notice(self, repository: WebhookRepository) -> None:
        # What happened before the retention may have had its event removed: not noticed again.
        since = utc_now() - timedelta(days=self.settings.webhook_retention_days)
        started = await repository.campaigns_started_unannounced(since=since, limit=NOTICE_LIMIT)
        # Written first, so that the campaigns' states below are compared with them: a campaign
        # that started and finished between two passes is heard start, then complete.
        await repository.add_events(
            [
                _event_row(
                    endpoint_id, EventType.CAMPAIGN_STARTED, campaign.id, campaign_data(campaign)
                )
                for campaign, endpoint_id in started
            ]
        )
        rows: list[dict[str, Any]] = []
        for (
            campaign,
            endpoint_id,
            chosen,
            last_heard,
        ) in await repository.campaigns_with_last_announced():
            event_type = CAMPAIGN_EVENTS[campaign.status]
            if event_type.value != last_heard and event_type.value in chosen:
                rows.append(
                    _event_row(endpoint_id, event_type, campaign.id, campaign_data(campaign))
                )
        for contact_import, endpoint_id in await repository.imports_to_announce(
            since=since, limit=NOTICE_LIMIT
        ):
            data = {
                "import_id": contact_import.id,
                "campaign_id": contact_import.campaign_id,
                "status": contact_import.status.value,
                "imported": contact_import.imported,
                "duplicates": contact_import.duplicates,
                "rejected": contact_import.rejected,
                "error": contact_import.error,
            }
            rows.append(_event_row(endpoint_id, EventType.IMPORT_FINISHED, contact_import.id, data))
        for suppression, endpoint_id in await repository.opt_outs_to_announce(
            since=since, limit=NOTICE_LIMIT
        ):
            data = {"phone": suppression.phone, "reason": suppression.reason}
            rows.append(
                _event_row(endpoint_id, EventType.RECIPIENT_OPTED_OUT, suppression.id, data)
            )
        for (
            sender,
            endpoint_id,
            chosen,
            last_heard,
        ) in await repository.senders_with_last_announced():
            event_type = SENDER_EVENTS[sender.status]
            if event_type.value == last_heard or event_type.value not in chosen:
                continue
            data = {
                "sender_id": sender.id,
                "phone": sender.phone,
                "status": sender.status.value,
                "reason": sender.status_reason,
            }
            rows.append(_event_row(endpoint_id, event_type, sender.id, data))
        await repository.add_events(rows)

    async def _pack(
        self,
        session: AsyncSession,
        repository: WebhookRepository,
        endpoint: WebhookEndpoint,
        *,
        now: datetime,
    ) -> None:
        waiting = await repository.waiting_events(endpoint.id, limit=BATCH_EVENTS)
        batch = [event for event in waiting if EventType(event.type).batched]
        groups = [[event] for event in waiting if not EventType(event.type).batched]
        if batch and (
            endpoint.last_batch_at is None or endpoint.last_batch_at <= now - BATCH_EVERY
        ):
            groups.append(batch)
            endpoint.last_batch_at = now
        for group in groups:
            message_id = f"msg_{uuid.uuid4().hex}"
            body = {
                "id": message_id,
                "events": [
                    {
                        "id": f"evt_{event.id}",
                        "type": event.type,
                        "created_at": event.created_at.isoformat(),
                        "data": event.data,
                    }
                    for event in group
                ],
            }
            delivery = WebhookDelivery(
                endpoint_id=endpoint.id,
                message_id=message_id,
                body=json.dumps(body, ensure_ascii=False, separators=(",", ":")),
                event_count=len(group),
                status=DeliveryStatus.PENDING,
                next_attempt_at=now,
                created_at=now,
            )
            session.add(delivery)
            await session.flush()
            await repository.assign([event.id for event in group], delivery.id)

    # ---- sending -------------------------------------------------------------------------------

    async def deliver(self, delivery_id: int) -> None:
        now = utc_now()
        lease = timedelta(seconds=self.settings.webhook_timeout_seconds * 2 + 5)
        async with transaction(self.runtime.sessionmaker) as session:
            repository = WebhookRepository(session)
            if not await repository.lease(delivery_id, now=now, until=now + lease):
                return
            delivery = await repository.delivery(delivery_id)
            endpoint = await repository.get(delivery.endpoint_id) if delivery else None
            if delivery is None or endpoint is None:
                return
            url, message_id, body = endpoint.url, delivery.message_id, delivery.body
            sealed = endpoint.sealed_secret
            previous = endpoint.previous_sealed_secret
            if endpoint.previous_secret_until is None or endpoint.previous_secret_until <= now:
                previous = None
        try:
            headers = signed_headers(
                self.box.open(sealed),
                message_id=message_id,
                timestamp=int(utc_now().timestamp()),
                body=body,
                previous=self.box.open(previous) if previous is not None else None,
            )
        except CredentialUnreadable:
            # Sent unsigned it would be refused anyway; the attempt says why, and it is retried.
            answer = Answer(
                status_code=None,
                duration_ms=0,
                error="its signing secret cannot be opened: PAYAM_CREDENTIAL_KEYS lost its key",
            )
        else:
            answer = await post(
                self.client,
                url,
                body=body,
                headers=headers,
                allow_private=self.settings.webhook_allow_private_networks,
            )
        disabled = await self._record(delivery_id, answer)
        if disabled is not None:
            await self._tell_owner(*disabled)

    async def _record(
        self, delivery_id: int, answer: Answer
    ) -> tuple[User, WebhookEndpoint] | None:
        """Write the attempt down; the owner and endpoint when this failure disabled it."""
        now = utc_now()
        async with transaction(self.runtime.sessionmaker) as session:
            repository = WebhookRepository(session)
            delivery = await repository.delivery(delivery_id)
            if delivery is None:
                return None
            endpoint = await repository.get(delivery.endpoint_id, for_update=True)
            assert endpoint is not None
            session.add(
                WebhookAttempt(
                    delivery_id=delivery.id,
                    attempted_at=now,
                    duration_ms=answer.duration_ms,
                    status_code=answer.status_code,
                    error=answer.error,
                    response_excerpt=answer.excerpt,
                )
            )
            delivery.attempts += 1
            delivery.lease_expires_at = None
            logger.info(
                "webhook_attempt",
                delivery_id=delivery.id,
                endpoint_id=endpoint.id,
                status_code=answer.status_code,
                error=answer.error,
                duration_ms=answer.duration_ms,
            )
            if answer.ok:
                delivery.status = DeliveryStatus.DELIVERED
                delivery.delivered_at = now
                delivery.next_attempt_at = None
                endpoint.failure_streak = 0
                endpoint.failing_since = None
                return None
            next_at = now + retry_delay(self.settings, delivery.attempts)
            if next_at > delivery.created_at + timedelta(hours=self.settings.webhook_retry_hours):
                delivery.status = DeliveryStatus.FAILED
                delivery.next_attempt_at = None
            else:
                delivery.next_attempt_at = next_at
            endpoint.failure_streak += 1
            endpoint.failing_since = endpoint.failing_since or now
            if not self._gives_up(endpoint, now=now):
                return None
            endpoint.enabled = False
            endpoint.disabled_reason = (
                f"{endpoint.failure_streak} failed deliveries in a row; the last: "
                f"{answer.error or answer.status_code}"
            )[:255]
            logger.warning("webhook_endpoint_disabled", endpoint_id=endpoint.id)
            owner = await session.get(User, endpoint.user_id)
            return (owner, endpoint) if owner is not None else None

    def _gives_up(self, endpoint: WebhookEndpoint, *, now: datetime) -> bool:
        failing_for = now - (endpoint.failing_since or now)
        return (
            endpoint.enabled
            and endpoint.failure_streak >= self.settings.webhook_disable_after_failures
            and failing_for >= timedelta(hours=self.settings.webhook_disable_after_hours)
        )

    async def _tell_owner(self, owner: User, endpoint: WebhookEndpoint) -> None:
        if not owner.email:
            return
        message = EmailMessage(
            to=owner.email,
            subject="Payam: a webhook endpoint was disabled",
            text=(
                f"Payam stopped sending events to {endpoint.url}: {endpoint.disabled_reason}.\n"
                "Events are kept. Fix the endpoint, then enable it again "
                f"(PATCH /api/v1/webhooks/endpoints/{endpoint.id} with enabled: true)."
            ),
        )
        try:
            await self.runtime.email_sender.send(message)
        except Exception:
            logger.exception("webhook_disabled_notice_failed", endpoint_id=endpoint.id)


@contextlib.asynccontextmanager
async def delivering_webhooks(runtime: Runtime) -> AsyncIterator[WebhookDeliverer]:
    """The delivery loop, running until the block ends."""
    stop = asyncio.Event()
    deliverer = WebhookDeliverer(runtime)
    task = asyncio.create_task(deliverer.run(stop))
    try:
        yield deliverer
    finally:
        stop.set()
        await task
        await deliverer.close()
