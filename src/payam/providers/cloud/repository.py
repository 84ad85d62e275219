"""The SQL of Cloud numbers: their webhook inbox, and the number a webhook names."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from payam.kit.repository import Repository
from payam.models import CloudWebhookEvent, ProviderName, Sender


@dataclass(frozen=True, slots=True)
class InboxEntry:
    """One status or inbound message from a webhook, before it is written."""

    dedup_key: str
    kind: str
    occurred_at: datetime
    status: str | None = None
    message_id: str | None = None
    phone: str | None = None
    text: str | None = None
    reason: str | None = None
    error_code: int | None = None  # a failed status's


class CloudInboxRepository(Repository[CloudWebhookEvent]):
    model = CloudWebhookEvent

    async def cloud_sender(self, sender_id: int) -> Sender | None:
        sender = await self.session.get(Sender, sender_id)
        if sender is None or sender.provider is not ProviderName.CLOUD:
            return None
        return sender

    async def record(self, sender_id: int, entries: Sequence[InboxEntry], *, now: datetime) -> int:
        """Write the entries this number has not had yet; how many were new.

        Each in its own savepoint, so a webhook delivered twice at once (the unique key refuses
        the second writer's row) still records everything else it carried.
        """
        keys = {entry.dedup_key for entry in entries}
        if not keys:
            return 0
        seen = set(
            await self.session.scalars(
                select(CloudWebhookEvent.dedup_key).where(
                    CloudWebhookEvent.sender_id == sender_id,
                    CloudWebhookEvent.dedup_key.in_(keys),
                )
            )
        )
        added = 0
        for entry in entries:
            if entry.dedup_key in seen:
                continue
            seen.add(entry.dedup_key)
            try:
                async with self.session.begin_nested():
                    self.session.add(
                        CloudWebhookEvent(
                            sender_id=sender_id,
                            dedup_key=entry.dedup_key,
                            kind=entry.kind,
                            status=entry.status,
                            message_id=entry.message_id,
                            phone=entry.phone,
                            text=entry.text,
                            reason=entry.reason,
                            error_code=entry.error_code,
                            occurred_at=entry.occurred_at,
                            received_at=now,
                        )
                    )
            except IntegrityError:
                continue
            added += 1
        return added

    async def waiting(
        self, sender_id: int, *, excluding: Collection[int], limit: int
    ) -> list[CloudWebhookEvent]:
        """Up to ``limit`` entries not yet acknowledged, oldest first, but those ``excluding``."""
        statement = (
            select(CloudWebhookEvent)
            .where(CloudWebhookEvent.sender_id == sender_id, CloudWebhookEvent.taken_at.is_(None))
            .order_by(CloudWebhookEvent.id)
            .limit(limit)
        )
        if excluding:
            statement = statement.where(CloudWebhookEvent.id.not_in(excluding))
        return list(await self.session.scalars(statement))

    async def mark_taken(self, ids: Collection[int], *, now: datetime) -> None:
        """These entries are recorded by the engine: no session hands them out again."""
        if ids:
            await self.session.execute(
                update(CloudWebhookEvent)
                .where(CloudWebhookEvent.id.in_(ids), CloudWebhookEvent.taken_at.is_(None))
                .values(taken_at=now)
                .execution_options(synchronize_session=False)
            )

    async def delete_taken_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to ``limit`` entries acknowledged before ``cutoff``; how many went."""
        return await self.delete_where(CloudWebhookEvent.taken_at < cutoff, limit=limit)
