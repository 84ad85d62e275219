"""All of the engine's SQL: sender leases, claims, outcomes, receipts and the reconciler's sweeps.

Quota reservations are billing's rows: dispatch reaches them through billing's ``QuotaService``
and ``ReservationRepository``, never through their table.

Every change of a recipient's status goes through ``apply_transitions``, which reads the rows
under lock (``FOR UPDATE``; SQLite's transactions hold the write lock from their start), moves
only those still in an expected state, and adjusts the campaign's counters by exactly what moved,
in the same transaction. That is why the counters never drift from the recipient rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Select,
    SQLColumnExpression,
    Table,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.repository import Repository
from payam.models import (
    COUNTER_COLUMNS,
    Campaign,
    CampaignSender,
    CampaignStatus,
    Recipient,
    RecipientStatus,
    Sender,
    Suppression,
    User,
    WhatsAppPresence,
)
from payam.stats.ledger import Move, record_outcomes
from payam.webhooks.outbox import record_recipient_events

RECIPIENTS = cast(Table, Recipient.__table__)
PRESENCE = cast(Table, WhatsAppPresence.__table__)
# Why a recipient is skipped at its claim (shown in reports and on the recipient).
OPTED_OUT = "the number opted out"
NOT_ON_WHATSAPP = "not on WhatsApp"


# What a recorded send shows (a receipt may have moved it past SENT first).
REACHED_STATUSES = (RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ)
# What a reservation is charged for: messages that went out, or may have.
CHARGED_STATUSES = (*REACHED_STATUSES, RecipientStatus.UNKNOWN)


@dataclass
class Transition:
    """Move one recipient to ``to`` if it is still in one of ``allowed_from`` (and attempt)."""

    recipient_id: int
    to: RecipientStatus
    allowed_from: frozenset[RecipientStatus]
    attempt_id: str | None = None  # when set, only that claim's attempt may move the row
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RowAfter:
    """A recipient row as a batch of transitions left it (read under lock, so exact)."""

    status: RecipientStatus
    reservation_id: int | None


@dataclass
class AppliedTransitions:
    moved: list[Transition]
    campaigns: set[int]
    # Every row the transitions named, as they left it: moved or not.
    rows: dict[int, RowAfter] = field(default_factory=dict)

    def charged(self, reservation_id: int) -> int:
        """How many of these rows the reservation is charged for, by what they show once moved
        (a claim's recording names all its rows, so this counts the claim)."""
        return sum(
            1
            for row in self.rows.values()
            if row.reservation_id == reservation_id and row.status in CHARGED_STATUSES
        )


@dataclass(frozen=True, slots=True)
class ClaimedRecipient:
    id: int
    phone: str
    name: str | None
    variables: dict[str, Any]
    attempt: int
    attempt_id: str
    message_id: str


def running_sender_ids() -> Select[Any]:
    return (
        select(CampaignSender.sender_id)
        .join(Campaign, Campaign.id == CampaignSender.campaign_id)
        .where(Campaign.status == CampaignStatus.RUNNING)
    )


def claim_in_flight(reservation_id: SQLColumnExpression[int]) -> ColumnElement[bool]:
    """Whether a recipient claimed under this quota reservation is still being sent."""
    return (
        select(Recipient.id)
        .where(
            Recipient.quota_reservation_id == reservation_id,
            Recipient.status == RecipientStatus.SENDING,
        )
        .exists()
    )


class DispatchRepository(Repository[Recipient]):
    model = Recipient

    async def time_zone_of(self, user_id: int) -> str | None:
        """The user's time zone, which quiet hours and the daily cap follow."""
        return await self.session.scalar(select(User.time_zone).where(User.id == user_id))

    # ---- senders -------------------------------------------------------------------------

    async def lease_senders(
        self, *, worker_id: str, now: datetime, until: datetime, take_at_most: int, renew: bool
    ) -> set[int]:
        """Take free numbers, renew this worker's own when ``renew``, let go of those no longer
        connected (or suspended by an admin: ``Sender.may_send``).

        A connected number is held even with nothing to send: its connection is where receipts
        and replies (opt-outs) arrive, long after its campaigns end.
        """
        if renew:
            await self.session.execute(
                update(Sender)
                .where(Sender.lease_owner == worker_id)
                .values(lease_expires_at=until)
                .execution_options(synchronize_session=False)
            )
        free = (
            await self.session.scalars(
                select(Sender.id)
                .where(
                    Sender.may_send,
                    or_(Sender.lease_owner.is_(None), Sender.lease_expires_at < now),
                )
                .order_by(Sender.id)
                .limit(take_at_most)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if free:
            await self.session.execute(
                update(Sender)
                .where(
                    Sender.id.in_(free),
                    or_(Sender.lease_owner.is_(None), Sender.lease_expires_at < now),
                )
                .values(lease_owner=worker_id, lease_expires_at=until)
                .execution_options(synchronize_session=False)
            )
        await self.session.execute(
            update(Sender)
            .where(Sender.lease_owner == worker_id, ~Sender.may_send)
            .values(lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )
        owned = await self.session.scalars(select(Sender.id).where(Sender.lease_owner == worker_id))
        return set(owned.all())

    async def due_senders(self, *, worker_id: str, now: datetime) -> list[Sender]:
        """This worker's senders whose next send is due (a number waiting costs nothing)."""
        rows = await self.session.scalars(
            select(Sender)
            .where(
                Sender.lease_owner == worker_id,
                Sender.id.in_(running_sender_ids()),
                or_(Sender.next_send_at.is_(None), Sender.next_send_at <= now),
            )
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def senders_by_id(self, sender_ids: set[int]) -> list[Sender]:
        if not sender_ids:
            return []
        rows = await self.session.scalars(select(Sender).where(Sender.id.in_(sorted(sender_ids))))
        return list(rows.all())

    async def next_due_at(self, *, worker_id: str, now: datetime) -> datetime | None:
        soonest: datetime | None = await self.session.scalar(
            select(func.min(Sender.next_send_at)).where(
                Sender.lease_owner == worker_id,
                Sender.id.in_(running_sender_ids()),
                Sender.next_send_at > now,
            )
        )
        return soonest

    async def release_senders(self, *, worker_id: str) -> None:
        await self.session.execute(
            update(Sender)
            .where(Sender.lease_owner == worker_id)
            .values(lease_owner=None, lease_expires_at=None)
            .execution_options(synchronize_session=False)
        )

    async def sender_for_update(self, sender_id: int) -> Sender | None:
        return await self.session.scalar(
            select(Sender)
            .where(Sender.id == sender_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )

    # ---- claims --------------------------------------------------------------------------

    async def lock_campaign(self, campaign_id: int) -> None:
        await self.session.execute(
            select(Campaign.id).where(Campaign.id == campaign_id).with_for_update()
        )

    async def running_campaigns_in_turn(self, sender_id: int) -> list[Campaign]:
        """The sender's running campaigns, the one that waited longest first (they take turns)."""
        never_used_first = case((CampaignSender.last_used_at.is_(None), 0), else_=1)
        rows = await self.session.scalars(
            select(Campaign)
            .join(CampaignSender, CampaignSender.campaign_id == Campaign.id)
            .where(CampaignSender.sender_id == sender_id, Campaign.status == CampaignStatus.RUNNING)
            .order_by(never_used_first, CampaignSender.last_used_at, Campaign.id)
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    async def pending_recipients(self, campaign_id: int, *, limit: int) -> Sequence[Any]:
        rows = await self.session.execute(
            select(
                Recipient.id,
                Recipient.phone,
                Recipient.name,
                Recipient.variables,
                Recipient.attempt,
            )
            .where(
                Recipient.campaign_id == campaign_id, Recipient.status == RecipientStatus.PENDING
            )
            .order_by(Recipient.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return rows.all()

    async def not_to_send_among(
        self, user_id: int, phones: Iterable[str], *, absent_since: datetime
    ) -> dict[str, str]:
        """Which of these numbers are skipped, and why: opted out, or known not on WhatsApp by
        an answer given since ``absent_since`` (one round trip for both)."""
        wanted = list(phones)
        if not wanted:
            return {}
        opted_out = select(Suppression.phone, literal(OPTED_OUT).label("reason")).where(
            Suppression.user_id == user_id, Suppression.phone.in_(wanted)
        )
        absent = select(WhatsAppPresence.phone, literal(NOT_ON_WHATSAPP).label("reason")).where(
            WhatsAppPresence.user_id == user_id,
            WhatsAppPresence.phone.in_(wanted),
            ~WhatsAppPresence.on_whatsapp,
            WhatsAppPresence.checked_at >= absent_since,
        )
        found: dict[str, str] = {}
        for phone, reason in (await self.session.execute(union_all(absent, opted_out))).all():
            found[phone] = reason  # an opt-out (read last) says more than absence
        return found

    async def unchecked_ahead(
        self, sender_id: int, *, present_since: datetime, absent_since: datetime, limit: int
    ) -> list[tuple[int, str]]:
        """(user, phone) of the next ``limit`` pending recipients of each of the sender's running
        campaigns whose next recipient has no answer on WhatsApp given since the ``*_since`` of
        its kind: checked together, a campaign asks once per ``limit`` recipients it reaches."""
        campaigns = (
            await self.session.execute(
                select(Campaign.id, Campaign.user_id)
                .join(CampaignSender, CampaignSender.campaign_id == Campaign.id)
                .where(
                    CampaignSender.sender_id == sender_id,
                    Campaign.status == CampaignStatus.RUNNING,
                )
                .order_by(Campaign.id)
            )
        ).all()
        unchecked: list[tuple[int, str]] = []
        for campaign_id, user_id in campaigns:
            answer = WhatsAppPresence
            fresh = and_(
                answer.user_id == user_id,
                answer.phone == Recipient.phone,
                or_(
                    and_(answer.on_whatsapp, answer.checked_at >= present_since),
                    and_(~answer.on_whatsapp, answer.checked_at >= absent_since),
                ),
            )
            rows = (
                await self.session.execute(
                    select(Recipient.phone, WhatsAppPresence.id.is_not(None))
                    .outerjoin(WhatsAppPresence, fresh)
                    .where(
                        Recipient.campaign_id == campaign_id,
                        Recipient.status == RecipientStatus.PENDING,
                    )
                    .order_by(Recipient.id)
                    .limit(limit)
                )
            ).all()
            if rows and not rows[0][1]:
                unchecked += [(user_id, phone) for phone, answered in rows if not answered]
        return unchecked

    async def remember_presence(
        self, answers: dict[tuple[int, str], bool], *, now: datetime
    ) -> None:
        """Write what WhatsApp answered for these (user, phone), replacing older answers; in key
        order, so two numbers of a user writing the same phones take their locks alike."""
        rows = [
            {"user_id": user_id, "phone": phone, "on_whatsapp": on, "checked_at": now}
            for (user_id, phone), on in sorted(answers.items())
        ]
        if rows:
            await self.session.execute(_presence_upsert(self.session), rows)

    async def mark_claimed(
        self,
        claimed: Sequence[ClaimedRecipient],
        *,
        campaign_id: int,
        sender_id: int,
        reservation_id: int,
        now: datetime,
        lease_until: datetime,
    ) -> None:
        """PENDING → SENDING with the attempt, its lease and our message id, before any send."""
        # Core, not ORM, UPDATE: executemany with per-row values is one round of statements.
        table = RECIPIENTS
        await self.session.execute(
            update(table)
            .where(table.c.id == bindparam("row_id"), table.c.status == RecipientStatus.PENDING)
            .values(
                status=RecipientStatus.SENDING,
                attempt=bindparam("new_attempt"),
                attempt_id=bindparam("new_attempt_id"),
                message_id=bindparam("new_message_id"),
                sender_id=sender_id,
                quota_reservation_id=reservation_id,
                claimed_at=now,
                lease_expires_at=lease_until,
            ),
            [
                {
                    "row_id": row.id,
                    "new_attempt": row.attempt,
                    "new_attempt_id": row.attempt_id,
                    "new_message_id": row.message_id,
                }
                for row in claimed
            ],
        )
        # The counter and the first claim's time in one statement.
        await self.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id)
            .values(
                sending_count=Campaign.sending_count + len(claimed),
                started_at=func.coalesce(Campaign.started_at, now),
            )
            .execution_options(synchronize_session=False)
        )
        await self.session.execute(
            update(CampaignSender)
            .where(CampaignSender.campaign_id == campaign_id, CampaignSender.sender_id == sender_id)
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        )

    async def stamp_sent(self, claimed: Sequence[ClaimedRecipient], *, now: datetime) -> None:
        """Set the send time of these recipients that have none yet (a receipt may have moved
        one on before its outcome was recorded), only where this claim's attempt still holds
        the row and it shows a send: a row the reconciler made UNKNOWN keeps no send time."""
        await self.session.execute(
            update(Recipient)
            .where(
                Recipient.id.in_([row.id for row in claimed]),
                # Attempt ids are unique: one of ours on a row is that row's own.
                Recipient.attempt_id.in_([row.attempt_id for row in claimed]),
                Recipient.sent_at.is_(None),
                Recipient.status.in_(REACHED_STATUSES),
            )
            .values(sent_at=now)
            .execution_options(synchronize_session=False)
        )

    # ---- transitions ---------------------------------------------------------------------

    async def apply_transitions(self, transitions: Sequence[Transition]) -> AppliedTransitions:
        if not transitions:
            return AppliedTransitions(moved=[], campaigns=set())
        ids = sorted({transition.recipient_id for transition in transitions})
        rows = (
            await self.session.execute(
                select(
                    Recipient.id,
                    Recipient.status,
                    Recipient.attempt_id,
                    Recipient.campaign_id,
                    Recipient.sender_id,
                    Recipient.quota_reservation_id,
                )
                .where(Recipient.id.in_(ids))
                .order_by(Recipient.id)
                .with_for_update()
            )
        ).all()
        status_of = {row.id: row.status for row in rows}
        attempt_of = {row.id: row.attempt_id for row in rows}
        campaign_of = {row.id: row.campaign_id for row in rows}
        moved: list[Transition] = []
        before: dict[int, RecipientStatus] = {}
        after: dict[int, tuple[RecipientStatus, dict[str, Any]]] = {}
        for transition in transitions:
            row_id = transition.recipient_id
            status = status_of.get(row_id)
            if status is None or status not in transition.allowed_from:
                continue
            if transition.attempt_id is not None and attempt_of[row_id] != transition.attempt_id:
                continue
            moved.append(transition)
            before.setdefault(row_id, status)
            # Several changes to one row in a batch (DELIVERED then READ) end as one, its last.
            earlier = after[row_id][1] if row_id in after else {}
            after[row_id] = (transition.to, {**earlier, **transition.values})
            status_of[row_id] = transition.to
        deltas: dict[int, Counter[RecipientStatus]] = defaultdict(Counter)
        by_target: dict[tuple[RecipientStatus, tuple[str, ...]], list[dict[str, Any]]] = (
            defaultdict(list)
        )
        for row_id, (status, values) in after.items():
            deltas[campaign_of[row_id]][before[row_id]] -= 1
            deltas[campaign_of[row_id]][status] += 1
            keys = tuple(sorted(values))
            new_values = {f"new_{key}": value for key, value in values.items()}
            by_target[(status, keys)].append({"row_id": row_id, **new_values})
        for (status, keys), parameters in by_target.items():
            table = RECIPIENTS
            await self.session.execute(
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values(status=status, **{key: bindparam(f"new_{key}") for key in keys}),
                parameters,
            )
        await self.bump_counters(deltas)
        left = {
            row.id: RowAfter(
                after[row.id][0] if row.id in after else row.status,
                after[row.id][1].get("quota_reservation_id", row.quota_reservation_id)
                if row.id in after
                else row.quota_reservation_id,
            )
            for row in rows
        }
        # The daily statistics move in this same transaction, so they never drift from the rows.
        await record_outcomes(
            self.session,
            {
                row.id: Move(
                    before=before[row.id],
                    after=after[row.id][0],
                    campaign_id=row.campaign_id,
                    sender_id=after[row.id][1].get("sender_id", row.sender_id),
                )
                for row in rows
                if row.id in after
            },
        )
        # Webhook events for the recipients' new statuses, in this same transaction (outbox).
        await record_recipient_events(self.session, {i: to for i, (to, _) in after.items()})
        return AppliedTransitions(moved=moved, campaigns=set(deltas), rows=left)

    async def bump_counters(self, deltas: dict[int, Counter[RecipientStatus]]) -> None:
        for campaign_id in sorted(deltas):
            values = {
                COUNTER_COLUMNS[status]: getattr(Campaign, COUNTER_COLUMNS[status]) + change
                for status, change in deltas[campaign_id].items()
                if change and status in COUNTER_COLUMNS
            }
            if values:
                await self.session.execute(
                    update(Campaign)
                    .where(Campaign.id == campaign_id)
                    .values(**values)
                    .execution_options(synchronize_session=False)
                )

    # ---- campaigns -----------------------------------------------------------------------

    async def pause_campaigns(self, campaign_ids: Iterable[int], *, reason: str) -> list[int]:
        """RUNNING (or scheduled) campaigns among these become PAUSED with the reason shown."""
        ids = sorted(set(campaign_ids))
        if not ids:
            return []
        paused = (
            await self.session.scalars(
                select(Campaign.id).where(
                    Campaign.id.in_(ids),
                    Campaign.status.in_((CampaignStatus.RUNNING, CampaignStatus.READY)),
                )
            )
        ).all()
        if paused:
            await self.session.execute(
                update(Campaign)
                .where(Campaign.id.in_(paused))
                .values(status=CampaignStatus.PAUSED, status_reason=reason[:255])
                .execution_options(synchronize_session=False)
            )
        return list(paused)

    async def pause_for_sender(self, sender: Sender, *, reason: str) -> list[int]:
        """A number that cannot send stops every campaign on it, saying which number and why."""
        campaign_ids = await self.session.scalars(
            select(CampaignSender.campaign_id).where(CampaignSender.sender_id == sender.id)
        )
        shown = f"WhatsApp number {sender.phone or sender.display_name}: {reason}"
        return await self.pause_campaigns(campaign_ids.all(), reason=shown)

    async def finish_campaigns(self, campaign_ids: Iterable[int], *, now: datetime) -> list[int]:
        """Running (or paused) campaigns with nothing pending or in flight are COMPLETED."""
        ids = sorted(set(campaign_ids))
        return await self._finish(Campaign.id.in_(ids), now=now) if ids else []

    async def finish_all_done(self, *, now: datetime) -> list[int]:
        return await self._finish(None, now=now)

    async def _finish(self, condition: Any, *, now: datetime) -> list[int]:
        # A campaign paused while its last messages were in flight has nothing left either.
        statement = select(Campaign.id).where(
            Campaign.status.in_((CampaignStatus.RUNNING, CampaignStatus.PAUSED)),
            Campaign.pending_count == 0,
            Campaign.sending_count == 0,
        )
        if condition is not None:
            statement = statement.where(condition)
        done = (await self.session.scalars(statement.with_for_update(skip_locked=True))).all()
        if done:
            await self.session.execute(
                update(Campaign)
                .where(
                    Campaign.id.in_(done),
                    Campaign.status.in_((CampaignStatus.RUNNING, CampaignStatus.PAUSED)),
                )
                .values(status=CampaignStatus.COMPLETED, completed_at=now, status_reason=None)
                .execution_options(synchronize_session=False)
            )
        return list(done)

    async def due_scheduled(self, *, now: datetime) -> list[Campaign]:
        rows = await self.session.scalars(
            select(Campaign)
            .where(
                Campaign.status == CampaignStatus.READY,
                Campaign.scheduled_at.is_not(None),
                Campaign.scheduled_at <= now,
            )
            .with_for_update(skip_locked=True)
        )
        return list(rows.all())

    async def expired_claims(self, *, now: datetime, limit: int) -> Sequence[Any]:
        rows = await self.session.execute(
            select(Recipient.id, Recipient.attempt_id, Recipient.quota_reservation_id)
            .where(
                Recipient.status == RecipientStatus.SENDING,
                Recipient.lease_expires_at < now,
            )
            .order_by(Recipient.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return rows.all()

    async def charged_counts(self, reservation_ids: Sequence[int]) -> dict[int, int]:
        """How many recipients of each reservation count as sent (reservations with none are
        absent)."""
        if not reservation_ids:
            return {}
        rows = await self.session.execute(
            select(Recipient.quota_reservation_id, func.count())
            .where(
                Recipient.quota_reservation_id.in_(reservation_ids),
                Recipient.status.in_(CHARGED_STATUSES),
            )
            .group_by(Recipient.quota_reservation_id)
        )
        return {
            reservation_id: int(count)
            for reservation_id, count in rows.all()
            if reservation_id is not None
        }

    async def still_sending(self, reservation_ids: Sequence[int]) -> set[int]:
        """Those of these reservations with a recipient still SENDING (a claim not over)."""
        if not reservation_ids:
            return set()
        rows = await self.session.scalars(
            select(Recipient.quota_reservation_id)
            .where(
                Recipient.quota_reservation_id.in_(reservation_ids),
                Recipient.status == RecipientStatus.SENDING,
            )
            .distinct()
        )
        return {reservation_id for reservation_id in rows.all() if reservation_id is not None}

    async def recipients_by_message_id(self, message_ids: Sequence[str]) -> Sequence[Any]:
        rows = await self.session.execute(
            select(
                Recipient.id, Recipient.message_id, Recipient.status, Recipient.campaign_id
            ).where(Recipient.message_id.in_(message_ids))
        )
        return rows.all()

    async def add_suppression(
        self, *, user_id: int, phone: str, reason: str, now: datetime
    ) -> bool:
        exists = await self.session.scalar(
            select(Suppression.id).where(Suppression.user_id == user_id, Suppression.phone == phone)
        )
        if exists is not None:
            return False
        self.session.add(Suppression(user_id=user_id, phone=phone, reason=reason, created_at=now))
        return True

    async def campaign_user_ids(self, campaign_ids: Iterable[int]) -> dict[int, int]:
        ids = sorted(set(campaign_ids))
        if not ids:
            return {}
        rows = await self.session.execute(
            select(Campaign.id, Campaign.user_id).where(Campaign.id.in_(ids))
        )
        return {row.id: row.user_id for row in rows}


def _presence_upsert(session: AsyncSession) -> Any:
    """Insert answers, or replace the answer already held for that user and phone."""
    if session.get_bind().dialect.name in {"mysql", "mariadb"}:
        statement = mysql.insert(PRESENCE)
        return statement.on_duplicate_key_update(
            on_whatsapp=statement.inserted.on_whatsapp, checked_at=statement.inserted.checked_at
        )
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    upsert = insert(PRESENCE)
    return upsert.on_conflict_do_update(
        index_elements=["user_id", "phone"],
        set_={"on_whatsapp": upsert.excluded.on_whatsapp, "checked_at": upsert.excluded.checked_at},
    )
