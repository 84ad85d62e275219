"""The SQL of WhatsApp Web numbers: our ids for WhatsApp's, and their linking state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import cast

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from payam.kit.repository import Repository
from payam.models import ProviderName, Recipient, RecipientStatus, Sender, WebSentMessage

# A receipt naming a message we have no id for yet (the send has not returned, or the worker died
# before writing the pair) is taken as one for the latest claim of its phone on the number that is
# still waiting for its outcome.
_AWAITING_OUTCOME = (RecipientStatus.SENDING, RecipientStatus.UNKNOWN)


class WebRepository(Repository[WebSentMessage]):
    model = WebSentMessage

    async def record_sent(
        self, *, sender_id: int, wa_message_id: str, message_id: str, now: datetime
    ) -> None:
        try:
            async with self.session.begin_nested():
                self.session.add(
                    WebSentMessage(
                        sender_id=sender_id,
                        wa_message_id=wa_message_id,
                        message_id=message_id,
                        sent_at=now,
                    )
                )
        except IntegrityError:
            pass  # written already (the same send recorded twice)

    async def our_ids(self, sender_id: int, wa_message_ids: Sequence[str]) -> dict[str, str]:
        if not wa_message_ids:
            return {}
        rows = await self.session.execute(
            select(WebSentMessage.wa_message_id, WebSentMessage.message_id).where(
                WebSentMessage.sender_id == sender_id,
                WebSentMessage.wa_message_id.in_(wa_message_ids),
            )
        )
        return {str(row[0]): str(row[1]) for row in rows.all()}

    async def awaiting_outcome(self, sender_id: int, phone: str) -> str | None:
        """Our id of the latest send to ``phone`` from this number whose outcome is not known."""
        return await self.session.scalar(
            select(Recipient.message_id)
            .where(
                Recipient.status.in_(_AWAITING_OUTCOME),
                Recipient.sender_id == sender_id,
                Recipient.phone == phone,
                Recipient.message_id.is_not(None),
            )
            .order_by(Recipient.claimed_at.desc())
            .limit(1)
        )

    async def web_sender(self, sender_id: int, *, for_update: bool = False) -> Sender | None:
        sender = await self.session.get(Sender, sender_id, with_for_update=for_update)
        if sender is None or sender.provider is not ProviderName.WEB:
            return None
        return sender

    async def unlink_state(self, sender_id: int) -> str | None:
        """Where unlinking the number stands (``provider.UNLINK``), if it is being unlinked."""
        config = await self.session.scalar(
            select(Sender.provider_config).where(Sender.id == sender_id)
        )
        return None if config is None else cast(str | None, config.get("unlink"))

    async def set_unlink_state(self, sender_id: int, state: str) -> None:
        sender = await self.web_sender(sender_id, for_update=True)
        if sender is not None:
            sender.provider_config = {**sender.provider_config, "unlink": state}

    async def delete_sent_before(self, cutoff: datetime, *, limit: int) -> int:
        """Delete up to ``limit`` pairs of sends older than ``cutoff``; how many went."""
        return await self.delete_where(WebSentMessage.sent_at < cutoff, limit=limit)
