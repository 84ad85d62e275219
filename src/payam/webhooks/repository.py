"""The SQL of webhooks: endpoints, the outbox of events, deliveries and their attempts."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, and_, cast, delete, exists, insert, or_, select, update
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from payam.kit.pagination import Page, PageParams
from payam.kit.repository import Repository
from payam.models import (
    Campaign,
    CampaignStatus,
    ContactImport,
    DeliveryStatus,
    ImportStatus,
    Recipient,
    Sender,
    SenderStatus,
    Suppression,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEvent,
)

# The columns holding an endpoint's sealed secrets.
SECRET_COLUMNS = ("sealed_secret", "previous_sealed_secret")

# Event families whose last event per subject the noticing compares with the current status.
_REMEMBERED_FAMILIES = ("campaign.%", "sender.%")


def listens_to(event_type: str) -> ColumnElement[bool]:
    """An enabled endpoint that chose ``event_type``. Its list is JSON text on every database,
    so a quoted name in it is the name chosen."""
    return and_(
        WebhookEndpoint.enabled.is_(True),
        cast(WebhookEndpoint.events, Text).like(f'%"{event_type}"%'),
    )


def _announced(event_type: str, subject: Any) -> ColumnElement[bool]:
    return exists().where(
        WebhookEvent.endpoint_id == WebhookEndpoint.id,
        WebhookEvent.subject_id == subject,
        WebhookEvent.type == event_type,
    )


def _last_heard(types: str, subject: Any) -> Any:
    """The type of the last event of ``types`` (a LIKE pattern) the endpoint got about
    ``subject``, as a correlated scalar."""
    return (
        select(WebhookEvent.type)
        .where(
            WebhookEvent.endpoint_id == WebhookEndpoint.id,
            WebhookEvent.subject_id == subject,
            WebhookEvent.type.like(types),
        )
        .order_by(WebhookEvent.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def _due(now: datetime) -> ColumnElement[bool]:
    """A delivery waiting to be sent, its time come, and no worker holding it."""
    return and_(
        WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now,
        or_(WebhookDelivery.lease_expires_at.is_(None), WebhookDelivery.lease_expires_at < now),
    )


class WebhookRepository(Repository[WebhookEndpoint]):
    model = WebhookEndpoint

    # ---- endpoints -------------------------------------------------------------------------

    async def page_owned(self, owner_id: int, params: PageParams) -> Page[WebhookEndpoint]:
        statement = (
            select(WebhookEndpoint)
            .where(WebhookEndpoint.user_id == owner_id)
            .order_by(WebhookEndpoint.id.desc())
        )
        return await self.paginate(statement, params)

    async def listeners(self, user_id: int, event_type: str) -> Sequence[int]:
        found = await self.session.scalars(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.user_id == user_id, listens_to(event_type)
            )
        )
        return found.all()

    async def lock_enabled(self) -> Sequence[WebhookEndpoint]:
        """Every enabled endpoint, locked in id order: one worker at a time makes deliveries."""
        found = await self.session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.enabled.is_(True))
            .order_by(WebhookEndpoint.id)
            .with_for_update()
        )
        return found.all()

    async def sealed_secrets(self) -> Sequence[Any]:
        """Every endpoint's id and sealed secrets (``SECRET_COLUMNS``)."""
        columns = [getattr(WebhookEndpoint, name) for name in SECRET_COLUMNS]
        return (await self.session.execute(select(WebhookEndpoint.id, *columns))).all()

    async def replace_secret(self, endpoint_id: int, *, column: str, old: str, new: str) -> int:
        """``column`` becomes ``new`` if it still holds ``old``; 1 if it did, else 0."""
        result = await self.session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, getattr(WebhookEndpoint, column) == old)
            .values({column: new})
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    # ---- the outbox ----------------------------------------------------------------------

    async def add_events(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            await self.session.execute(insert(WebhookEvent), list(rows))

    async def recipient_listeners(self, recipient_ids: Collection[int]) -> Sequence[Any]:
        """The recipients among these whose owner has an enabled endpoint, once per endpoint."""
        statement = (
            select(
                Recipient.id,
                Recipient.campaign_id,
                Recipient.phone,
                Recipient.message_id,
                Recipient.error,
                WebhookEndpoint.id.label("endpoint_id"),
                WebhookEndpoint.events,
            )
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .join(WebhookEndpoint, WebhookEndpoint.user_id == Campaign.user_id)
            .where(Recipient.id.in_(sorted(recipient_ids)), WebhookEndpoint.enabled.is_(True))
        )
        return (await self.session.execute(statement)).all()

    async def replied_recipients(
        self, *, user_id: int, sender_id: int, phones: Collection[str]
    ) -> dict[str, Any]:
        """For each of these phones, the user's latest recipient this number sent to (what a
        reply from it answers); phones nobody sent to are left out."""
        statement = (
            select(Recipient.id, Recipient.campaign_id, Recipient.phone, Recipient.message_id)
            .join(Campaign, Campaign.id == Recipient.campaign_id)
            .where(
                Campaign.user_id == user_id,
                Recipient.phone.in_(sorted(phones)),
                Recipient.sender_id == sender_id,
                Recipient.sent_at.is_not(None),
            )
            .order_by(Recipient.id)
        )
        return {row.phone: row for row in await self.session.execute(statement)}

    async def known_keys(self, endpoint_ids: Collection[int], keys: Collection[str]) -> set[Any]:
        """The (endpoint, key) pairs among these already written."""
        found = await self.session.execute(
            select(WebhookEvent.endpoint_id, WebhookEvent.dedup_key).where(
                WebhookEvent.endpoint_id.in_(sorted(endpoint_ids)),
                WebhookEvent.dedup_key.in_(sorted(keys)),
            )
        )
        return {(row.endpoint_id, row.dedup_key) for row in found}

    async def _unannounced(
        self,
        model: Any,
        event_type: str,
        happened_at: Any,
        *conditions: Any,
        since: datetime,
        limit: int,
    ) -> Sequence[Any]:
        """Rows of ``model`` (with the endpoint's id) whose ``event_type`` happened, at
        ``happened_at``, since an endpoint listening for it was made and since ``since`` (the
        retention: an older event may have been removed), and that it has not heard."""
        statement = (
            select(model, WebhookEndpoint.id.label("endpoint_id"))
            .join(WebhookEndpoint, WebhookEndpoint.user_id == model.user_id)
            .where(
                listens_to(event_type),
                happened_at >= WebhookEndpoint.created_at,
                happened_at >= since,
                ~_announced(event_type, model.id),
                *conditions,
            )
            .order_by(model.id)
            .limit(limit)
        )
        return (await self.session.execute(statement)).all()

    async def campaigns_started_unannounced(self, *, since: datetime, limit: int) -> Sequence[Any]:
        """Campaigns that sent a first message and were not heard start (even one that has
        already finished: it still started)."""
        return await self._unannounced(
            Campaign, "campaign.started", Campaign.started_at, since=since, limit=limit
        )

    async def imports_to_announce(self, *, since: datetime, limit: int) -> Sequence[Any]:
        return await self._unannounced(
            ContactImport,
            "import.finished",
            ContactImport.finished_at,
            ContactImport.status.in_((ImportStatus.COMPLETED, ImportStatus.FAILED)),
            since=since,
            limit=limit,
        )

    async def opt_outs_to_announce(self, *, since: datetime, limit: int) -> Sequence[Any]:
        return await self._unannounced(
            Suppression, "recipient.opted_out", Suppression.created_at, since=since, limit=limit
        )

    async def _with_last_heard(
        self, model: Any, family: str, statuses: Collection[Any], *conditions: Any
    ) -> Sequence[Any]:
        """Each row of ``model`` in one of ``statuses`` whose owner has an endpoint hearing
        ``family`` events ("campaign", "sender"), with that endpoint's id, its chosen events and
        the last such event it got about the row (None: none yet)."""
        last_heard = _last_heard(f"{family}.%", model.id)
        statement = (
            select(model, WebhookEndpoint.id.label("endpoint_id"), WebhookEndpoint.events)
            .add_columns(last_heard.label("last_heard"))
            .join(WebhookEndpoint, WebhookEndpoint.user_id == model.user_id)
            .where(
                WebhookEndpoint.enabled.is_(True),
                cast(WebhookEndpoint.events, Text).like(f'%"{family}.%'),
                model.status.in_(statuses),
                *conditions,
            )
            .order_by(model.id)
        )
        return (await self.session.execute(statement)).all()

    async def campaigns_with_last_announced(self) -> Sequence[Any]:
        """Running, paused or finished campaigns changed since the endpoint was made."""
        return await self._with_last_heard(
            Campaign,
            "campaign",
            (
                CampaignStatus.RUNNING,
                CampaignStatus.PAUSED,
                CampaignStatus.COMPLETED,
                CampaignStatus.FAILED,
            ),
            Campaign.updated_at >= WebhookEndpoint.created_at,
        )

    async def senders_with_last_announced(self) -> Sequence[Any]:
        """Every number of the users listening: an endpoint first hears each one's status."""
        return await self._with_last_heard(
            Sender,
            "sender",
            (
                SenderStatus.CONNECTED,
                SenderStatus.DISCONNECTED,
                SenderStatus.LOGGED_OUT,
                SenderStatus.BANNED,
            ),
        )

    async def waiting_events(self, endpoint_id: int, *, limit: int) -> Sequence[WebhookEvent]:
        found = await self.session.scalars(
            select(WebhookEvent)
            .where(WebhookEvent.endpoint_id == endpoint_id, WebhookEvent.delivery_id.is_(None))
            .order_by(WebhookEvent.id)
            .limit(limit)
        )
        return found.all()

    async def assign(self, event_ids: Sequence[int], delivery_id: int) -> None:
        await self.session.execute(
            update(WebhookEvent)
            .where(WebhookEvent.id.in_(event_ids))
            .values(delivery_id=delivery_id)
            .execution_options(synchronize_session=False)
        )

    # ---- deliveries ------------------------------------------------------------------------

    async def due_deliveries(self, *, now: datetime, limit: int) -> Sequence[int]:
        found = await self.session.scalars(
            select(WebhookDelivery.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(
                _due(now),
                WebhookEndpoint.enabled.is_(True),
            )
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
        return found.all()

    async def lease(self, delivery_id: int, *, now: datetime, until: datetime) -> bool:
        """Take the delivery to send it, unless another worker holds it or it is not due."""
        result = await self.session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.id == delivery_id,
                _due(now),
            )
            .values(lease_expires_at=until)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def page_deliveries(self, endpoint_id: int, params: PageParams) -> Page[WebhookDelivery]:
        statement = (
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
        )
        return await self.paginate(statement, params)

    async def attempts_of(self, delivery_ids: Sequence[int]) -> dict[int, list[WebhookAttempt]]:
        found = await self.session.scalars(
            select(WebhookAttempt)
            .where(WebhookAttempt.delivery_id.in_(delivery_ids))
            .order_by(WebhookAttempt.id)
        )
        attempts: dict[int, list[WebhookAttempt]] = {
            delivery_id: [] for delivery_id in delivery_ids
        }
        for attempt in found:
            attempts[attempt.delivery_id].append(attempt)
        return attempts

    async def delivery(self, delivery_id: int) -> WebhookDelivery | None:
        return await self.session.get(WebhookDelivery, delivery_id)

    # ---- retention -------------------------------------------------------------------------

    async def finished_deliveries_before(
        self, cutoff: datetime, *, after_id: int, limit: int
    ) -> Sequence[Any]:
        """Delivered or failed deliveries made before ``cutoff`` (id and event count), by id."""
        statement = (
            select(WebhookDelivery.id, WebhookDelivery.event_count)
            .where(
                WebhookDelivery.id > after_id,
                WebhookDelivery.status != DeliveryStatus.PENDING,
                WebhookDelivery.created_at < cutoff,
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
        return (await self.session.execute(statement)).all()

    async def remembered_events(self, delivery_ids: Collection[int]) -> Sequence[Any]:
        """The events of these deliveries the noticing still needs: for each endpoint and
        campaign or number, the last campaign or number event it heard (``_last_heard``
        compares the current status with it). Their ids and deliveries."""
        rows: list[Any] = []
        for family in _REMEMBERED_FAMILIES:
            newer = aliased(WebhookEvent)
            statement = select(WebhookEvent.id, WebhookEvent.delivery_id).where(
                WebhookEvent.delivery_id.in_(sorted(delivery_ids)),
                WebhookEvent.type.like(family),
                ~exists().where(
                    newer.endpoint_id == WebhookEvent.endpoint_id,
                    newer.subject_id == WebhookEvent.subject_id,
                    newer.type.like(family),
                    newer.id > WebhookEvent.id,
                ),
            )
            rows.extend((await self.session.execute(statement)).all())
        return rows

    async def delete_events_of(
        self, delivery_ids: Collection[int], *, keeping: Collection[int]
    ) -> None:
        statement = delete(WebhookEvent).where(WebhookEvent.delivery_id.in_(sorted(delivery_ids)))
        if keeping:
            statement = statement.where(WebhookEvent.id.not_in(sorted(keeping)))
        await self.session.execute(statement.execution_options(synchronize_session=False))

    async def delete_deliveries(self, delivery_ids: Collection[int]) -> None:
        """These deliveries and (by their foreign key) their attempts."""
        if delivery_ids:
            await self.session.execute(
                delete(WebhookDelivery)
                .where(WebhookDelivery.id.in_(sorted(delivery_ids)))
                .execution_options(synchronize_session=False)
            )
