"""The SQL of campaigns, their numbers and their recipients."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Row, delete, func, insert, literal, select
from sqlalchemy.orm import aliased

from payam.kit.pagination import Page, PageParams
from payam.kit.repository import Repository
from payam.models import (
    Campaign,
    CampaignSender,
    CampaignStatus,
    ContactImport,
    CopyKind,
    Recipient,
    RecipientStatus,
    Sender,
)


@dataclass
class CampaignNumbers:
    """A campaign's numbers, by id, and how many of them may send now (connected, and not
    suspended by an admin)."""

    sender_ids: list[int] = field(default_factory=list)
    may_send: int = 0


# id, phone, name, status, attempt, error, sent_at, delivered_at, read_at
ReportRow = Row[
    int,
    str,
    str | None,
    RecipientStatus,
    int,
    str | None,
    datetime | None,
    datetime | None,
    datetime | None,
]


class CampaignRepository(Repository[Campaign]):
    model = Campaign

    # ---- campaigns -----------------------------------------------------------------------

    async def page_owned(
        self, owner_id: int, params: PageParams, *, status: CampaignStatus | None
    ) -> Page[Campaign]:
        """The owner's campaigns, newest first."""
        statement = (
            select(Campaign).where(Campaign.user_id == owner_id).order_by(Campaign.id.desc())
        )
        if status is not None:
            statement = statement.where(Campaign.status == status)
        return await self.paginate(statement, params)

    async def first_copy(self, source_id: int, kind: CopyKind) -> Campaign | None:
        """The earliest campaign made from ``source_id`` as ``kind``, if one is left.

        Read after the source is locked (and, on MariaDB, in READ COMMITTED), so it sees a copy
        that a concurrent request committed while this one waited for the lock."""
        return await self.session.scalar(
            select(Campaign)
            .where(Campaign.source_campaign_id == source_id, Campaign.copy_kind == kind)
            .order_by(Campaign.id)
            .limit(1)
        )

    # ---- numbers -------------------------------------------------------------------------

    async def sender_ids(self, campaign_ids: Sequence[int]) -> dict[int, list[int]]:
        """Each campaign's numbers, by id (an empty list for a campaign with none)."""
        if not campaign_ids:
            return {}
        rows = await self.session.execute(
            select(CampaignSender.campaign_id, CampaignSender.sender_id)
            .where(CampaignSender.campaign_id.in_(campaign_ids))
            .order_by(CampaignSender.sender_id)
        )
        found: dict[int, list[int]] = {campaign_id: [] for campaign_id in campaign_ids}
        for campaign_id, sender_id in rows:
            found[campaign_id].append(sender_id)
        return found

    async def numbers(self, campaign_ids: Sequence[int]) -> dict[int, CampaignNumbers]:
        """Each campaign's numbers and how many of them may send, in one statement (what a
        campaign's view shows; it is on every read of a campaign)."""
        if not campaign_ids:
            return {}
        rows = await self.session.execute(
            select(CampaignSender.campaign_id, CampaignSender.sender_id, Sender.may_send)
            .join(Sender, Sender.id == CampaignSender.sender_id)
            .where(CampaignSender.campaign_id.in_(campaign_ids))
            .order_by(CampaignSender.sender_id)
        )
        found = {campaign_id: CampaignNumbers() for campaign_id in campaign_ids}
        for campaign_id, sender_id, may_send in rows:
            numbers = found[campaign_id]
            numbers.sender_ids.append(sender_id)
            numbers.may_send += bool(may_send)
        return found

    def add_senders(self, campaign_id: int, sender_ids: Sequence[int]) -> None:
        for sender_id in sender_ids:
            self.session.add(CampaignSender(campaign_id=campaign_id, sender_id=sender_id))

    async def replace_senders(self, campaign_id: int, sender_ids: Sequence[int]) -> None:
        await self.session.execute(
            delete(CampaignSender).where(CampaignSender.campaign_id == campaign_id)
        )
        self.add_senders(campaign_id, sender_ids)
        await self.session.flush()

    # ---- recipients ----------------------------------------------------------------------

    async def first_recipient(self, campaign_id: int) -> Recipient | None:
        """The campaign's first recipient still to send to (a sample of its columns)."""
        found: Recipient | None = await self.session.scalar(
            select(Recipient)
            .where(
                Recipient.campaign_id == campaign_id,
                Recipient.status == RecipientStatus.PENDING,
            )
            .order_by(Recipient.id)
            .limit(1)
        )
        return found

    async def page_recipients(
        self, campaign_id: int, params: PageParams, *, status: RecipientStatus | None
    ) -> Page[Recipient]:
        """The campaign's recipients, in the order they were added."""
        statement = (
            select(Recipient).where(Recipient.campaign_id == campaign_id).order_by(Recipient.id)
        )
        if status is not None:
            statement = statement.where(Recipient.status == status)
        return await self.paginate(statement, params)

    async def first_recipients(
        self, campaign_id: int, *, limit: int, only_id: int | None = None
    ) -> Sequence[Recipient]:
        """The campaign's first ``limit`` recipients (or just ``only_id``, if it is one)."""
        statement = select(Recipient).where(Recipient.campaign_id == campaign_id)
        if only_id is not None:
            statement = statement.where(Recipient.id == only_id)
        return (await self.session.scalars(statement.order_by(Recipient.id).limit(limit))).all()

    async def recipient(self, campaign_id: int, recipient_id: int) -> Recipient | None:
        return await self.session.scalar(
            select(Recipient).where(
                Recipient.id == recipient_id, Recipient.campaign_id == campaign_id
            )
        )

    async def copy_recipients(
        self, source_id: int, copy_id: int, *, statuses: Sequence[RecipientStatus] | None
    ) -> int:
        """Add the source's recipients (those in ``statuses``, or all) to the copy, pending;
        returns how many the copy has."""
        chosen = select(
            literal(copy_id),
            Recipient.phone,
            Recipient.name,
            Recipient.variables,
            literal(RecipientStatus.PENDING.value),
            literal(0),
        ).where(Recipient.campaign_id == source_id)
        if statuses is not None:
            chosen = chosen.where(Recipient.status.in_(statuses))
        # One INSERT … SELECT: a million recipients copy without passing through Python.
        await self.session.execute(
            insert(Recipient).from_select(
                ["campaign_id", "phone", "name", "variables", "status", "attempt"],
                chosen.order_by(Recipient.id),
            )
        )
        count = await self.session.scalar(
            select(func.count()).select_from(Recipient).where(Recipient.campaign_id == copy_id)
        )
        return int(count or 0)

    async def count_copied(self, source_id: int, copy_id: int, status: RecipientStatus) -> int:
        """How many of the copy's recipients were in ``status`` in the source."""
        copied = aliased(Recipient)
        count = await self.session.scalar(
            select(func.count())
            .select_from(Recipient)
            .join(copied, (copied.campaign_id == copy_id) & (copied.phone == Recipient.phone))
            .where(Recipient.campaign_id == source_id, Recipient.status == status)
        )
        return int(count or 0)

    async def report_page(
        self, campaign_id: int, *, after_id: int, limit: int
    ) -> Sequence[ReportRow]:
        """The next ``limit`` recipients after ``after_id``, in the order they were added."""
        result = await self.session.execute(
            select(
                Recipient.id,
                Recipient.phone,
                Recipient.name,
                Recipient.status,
                Recipient.attempt,
                Recipient.error,
                Recipient.sent_at,
                Recipient.delivered_at,
                Recipient.read_at,
            )
            .where(Recipient.campaign_id == campaign_id, Recipient.id > after_id)
            .order_by(Recipient.id)
            .limit(limit)
        )
        return result.all()

    # ---- files ---------------------------------------------------------------------------

    async def import_storage_keys(self, campaign_id: int) -> list[str]:
        """Where the campaign's imports keep their files; they go with the campaign."""
        rows = await self.session.scalars(
            select(ContactImport.storage_key).where(ContactImport.campaign_id == campaign_id)
        )
        return list(rows.all())
