"""The rules of webhook endpoints: made, changed, listed and removed by their owner, and the
deliveries they got, seen and sent again."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from payam.audit.service import record_audit
from payam.auth.service import ClientInfo
from payam.kit.clock import utc_now
from payam.kit.credentials import CredentialBox
from payam.kit.errors import Conflict, NotFound
from payam.kit.pagination import Page, PageParams
from payam.models import DeliveryStatus, User, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from payam.webhooks.repository import WebhookRepository
from payam.webhooks.schemas import EndpointCreate, EndpointUpdate
from payam.webhooks.signing import new_secret

# After a rotation the old secret signs beside the new one this long, while receivers switch.
ROTATION_OVERLAP = timedelta(hours=24)


class WebhookService:
    def __init__(self, session: AsyncSession, *, box: CredentialBox) -> None:
        self.session = session
        self.webhooks = WebhookRepository(session)
        self.box = box

    async def create(
        self, user: User, data: EndpointCreate, *, client: ClientInfo
    ) -> tuple[WebhookEndpoint, str]:
        """The endpoint, and its signing secret: kept sealed, this is the one time it is seen."""
        secret = new_secret()
        endpoint = WebhookEndpoint(
            user_id=user.id,
            url=str(data.url),
            description=data.description,
            events=[event.value for event in data.events],
            sealed_secret=self.box.seal(secret),
            enabled=True,
            failure_streak=0,
        )
        self.session.add(endpoint)
        await self.session.flush()
        self._audit(user, endpoint, "webhook_endpoint.created", client=client)
        return endpoint, secret

    async def rotate_secret(
        self, user: User, endpoint_id: int, *, client: ClientInfo
    ) -> tuple[WebhookEndpoint, str]:
        """A new signing secret, seen this once; the one it replaces signs too for a day."""
        endpoint = await self.get(user, endpoint_id)
        secret = new_secret()
        endpoint.previous_sealed_secret = endpoint.sealed_secret
        endpoint.previous_secret_until = utc_now() + ROTATION_OVERLAP
        endpoint.sealed_secret = self.box.seal(secret)
        self._audit(user, endpoint, "webhook_endpoint.secret_rotated", client=client)
        return endpoint, secret

    async def page(self, user: User, params: PageParams) -> Page[WebhookEndpoint]:
        return await self.webhooks.page_owned(user.id, params)

    async def get(self, user: User, endpoint_id: int) -> WebhookEndpoint:
        return await self.webhooks.get_or_404(
            endpoint_id, name="webhook endpoint", owner_id=user.id
        )

    async def update(
        self, user: User, endpoint_id: int, data: EndpointUpdate, *, client: ClientInfo
    ) -> WebhookEndpoint:
        endpoint = await self.get(user, endpoint_id)
        if data.url is not None:
            endpoint.url = str(data.url)
        if data.events is not None:
            endpoint.events = [event.value for event in data.events]
        if "description" in data.model_fields_set:
            endpoint.description = data.description
        if data.enabled is True and not endpoint.enabled:
            endpoint.enabled = True
            endpoint.disabled_reason = None
            endpoint.failure_streak = 0
            endpoint.failing_since = None
        elif data.enabled is False:
            endpoint.enabled = False
            endpoint.disabled_reason = "Disabled by you"
        self._audit(user, endpoint, "webhook_endpoint.changed", client=client)
        return endpoint

    async def remove(self, user: User, endpoint_id: int, *, client: ClientInfo) -> None:
        endpoint = await self.get(user, endpoint_id)
        self._audit(user, endpoint, "webhook_endpoint.removed", client=client)
        await self.session.delete(endpoint)

    async def deliveries(
        self, user: User, endpoint_id: int, params: PageParams
    ) -> tuple[Page[WebhookDelivery], dict[int, list[WebhookAttempt]]]:
        """The endpoint's deliveries, newest first, with every attempt of each."""
        endpoint = await self.get(user, endpoint_id)
        page = await self.webhooks.page_deliveries(endpoint.id, params)
        return page, await self.webhooks.attempts_of([delivery.id for delivery in page.items])

    async def redeliver(self, user: User, endpoint_id: int, delivery_id: int) -> WebhookDelivery:
        """Send a delivery again, as it was (same ``webhook-id`` and body), at the next pass."""
        endpoint = await self.get(user, endpoint_id)
        delivery = await self.webhooks.delivery(delivery_id)
        if delivery is None or delivery.endpoint_id != endpoint.id:
            raise NotFound("No such delivery")
        now = utc_now()
        if delivery.lease_expires_at is not None and delivery.lease_expires_at > now:
            raise Conflict("This delivery is being sent right now", field="delivery_id")
        delivery.status = DeliveryStatus.PENDING
        delivery.next_attempt_at = now
        # A fresh day of retries from now, as for a new delivery.
        delivery.created_at = now
        return delivery

    def _audit(
        self, user: User, endpoint: WebhookEndpoint, action: str, *, client: ClientInfo
    ) -> None:
        record_audit(
            self.session,
            action=action,
            actor_id=user.id,
            subject_user_id=user.id,
            ip_address=client.ip_address,
            details={"endpoint_id": endpoint.id, "url": endpoint.url},
        )
