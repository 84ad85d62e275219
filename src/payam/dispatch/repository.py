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
CAMPAIGNS = cast(Table, Campaign.__table__)
PRESENCE = cast(Table, WhatsAppPresence.__table__)
# Why a recipient is skipped at its claim (shown in reports and on the recipient).
OPTED_OUT = "the number opted out"
NOT_ON_WHATSAPP = "not on WhatsApp"
# Campaigns whose next recipients one statement reads (a UNION ALL of one LIMIT each).
CAMPAIGNS_PER_STATEMENT = 50


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

    def charged(self) -> Counter[int | None]:
        """How many of these rows each reservation is charged for, by what they show once
        moved (a claim's recording names all its rows, so this counts the claim)."""
        return Counter(
            row.reservation_id for row in self.rows.values() if row.status in CHARGED_STATUSES
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


@dataclass(frozen=True, slots=True)
class NewClaim:
    """Recipients a number claims from one campaign under one reservation (``mark_claimed``)."""

    campaign_id: int
    sender_id: int
    reservation_id: int
    recipients: Sequence[ClaimedRecipient]


class ClaimNotApplied(RuntimeError):
    """A claim named a recipient that was not PENDING (a bug): its transaction is rolled back."""


def has_running_campaign() -> ColumnElement[bool]:
    """Whether a sender has a running campaign (correlated: checked for the senders a query
    finds by their own index, not by scanning every running campaign)."""
    return (
        select(CampaignSender.sender_id)
        .join(Campaign, Campaign.id == CampaignSender.campaign_id)
        .where(CampaignSender.sender_id == Sender.id, Campaign.status == CampaignStatus.RUNNING)
        .exists()
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

    async def time_zones_of(self, user_ids: Iterable[int]) -> dict[int, str | None]:
        """Users' time zones, which their quiet hours and daily caps follow."""
        ids = sorted(set(user_ids))
        if not ids:
            return {}
        rows = await self.session.execute(select(User.id, User.time_zone).where(User.id.in_(ids)))
        return {row.id: row.time_zone for row in rows}

    # ---- senders -------------------------------------------------------------------------

    async def lease_senders(
        self,
        *,
        worker_id: str,
        now: datetime,
        until: datetime,
        take_at_most: int,
        renew_before: datetime,
    ) -> set[int]:
        """Take free numbers, renew this worker's own whose lease ends before ``renew_before``,
        let go of those no longer connected (or suspended by an admin: ``Sender.may_send``).

        Renewal skips a number locked at that moment (a claim or a record of this worker's is
        writing it) instead of waiting for it, and takes the rest in id order, the order every
        transaction locks numbers in; the skipped one is renewed at the next pass.

        A connected number is held even with nothing to send: its connection is where receipts
        and replies (opt-outs) arrive, long after its campaigns end.
        """
        ending = (
            await self.session.scalars(
                select(Sender.id)
                .where(Sender.lease_owner == worker_id, Sender.lease_expires_at < renew_before)
                .order_by(Sender.id)
                .with_for_update(skip_locked=True)
            )
        ).all()
        if ending:
            await self.session.execute(
                update(Sender)
                .where(Sender.id.in_(ending), Sender.lease_owner == worker_id)
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

    async def due_senders(self, *, worker_id: str, now: datetime) -> list[int]:
        """Ids of this worker's senders whose next send is due (a number waiting costs nothing)."""
        rows = await self.session.scalars(
            select(Sender.id).where(
                Sender.lease_owner == worker_id,
                or_(Sender.next_send_at.is_(None), Sender.next_send_at <= now),
                has_running_campaign(),
            )
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
                Sender.next_send_at > now,
                has_running_campaign(),
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
        senders = await self.senders_for_update([sender_id])
        return senders[0] if senders else None

    async def senders_for_update(self, sender_ids: Iterable[int]) -> list[Sender]:
        """These senders, locked in id order (the order every transaction takes them in)."""
        ids = sorted(set(sender_ids))
        if not ids:
            return []
        rows = await self.session.scalars(
            select(Sender)
            .where(Sender.id.in_(ids))
            .order_by(Sender.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        return list(rows.all())

    # ---- claims --------------------------------------------------------------------------

    async def lock_campaigns(self, campaign_ids: Iterable[int]) -> None:
        await self.session.execute(
            select(Campaign.id)
            .where(Campaign.id.in_(sorted(set(campaign_ids))))
            .order_by(Campaign.id)
            .with_for_update()
        )

    async def running_campaigns_in_turn(
        self, sender_ids: Iterable[int]
    ) -> dict[int, list[Campaign]]:
        """Each sender's running campaigns, the one that waited longest first (they take turns)."""
        ids = sorted(set(sender_ids))
        if not ids:
            return {}
        never_used_first = case((CampaignSender.last_used_at.is_(None), 0), else_=1)
        rows = await self.session.execute(
            select(CampaignSender.sender_id, Campaign)
            .join(CampaignSender, CampaignSender.campaign_id == Campaign.id)
            .where(CampaignSender.sender_id.in_(ids), Campaign.status == CampaignStatus.RUNNING)
            .order_by(
                CampaignSender.sender_id, never_used_first, CampaignSender.last_used_at, Campaign.id
            )
            .execution_options(populate_existing=True)
        )
        in_turn: dict[int, list[Campaign]] = defaultdict(list)
        for sender_id, campaign in rows:
            in_turn[sender_id].append(campaign)
        return in_turn

    async def pending_recipients(
        self,
        wanted: dict[int, int],
        *,
        one_by_one: frozenset[int] = frozenset(),
        taken: frozenset[int] = frozenset(),
    ) -> dict[int, list[Any]]:
        """Up to ``wanted[campaign]`` of each campaign's first pending recipients, locked
        (``SKIP LOCKED``: another worker's claim in progress keeps its rows).

        Campaigns wanting one recipient (a paced number's turn) take two statements together,
        whatever their number: the first pending id of each (an index's first entry, on every
        database), then those rows locked. A row another claim holds is skipped rather than
        waited for, so such a campaign (or one wanting more, an interval-0 batch) is read on
        its own, ``ORDER BY id LIMIT n``: the caller names those in ``one_by_one``.

        ``taken`` are rows this transaction picked already (still PENDING until marked): a lock
        skips only other transactions' rows, so they are left out by id.
        """
        columns = (
            Recipient.id,
            Recipient.campaign_id,
            Recipient.phone,
            Recipient.name,
            Recipient.variables,
            Recipient.attempt,
        )
        pending = Recipient.status == RecipientStatus.PENDING
        if taken:
            pending = and_(pending, Recipient.id.not_in(sorted(taken)))
        found: dict[int, list[Any]] = defaultdict(list)
        singles = sorted(c for c, n in wanted.items() if n == 1 and c not in one_by_one)
        if singles:
            first = (
                select(func.min(Recipient.id))
                .where(Recipient.campaign_id == Campaign.id, pending)
                .scalar_subquery()
            )
            first_ids = (
                await self.session.scalars(select(first).where(Campaign.id.in_(singles)))
            ).all()
            ids = sorted(row_id for row_id in first_ids if row_id is not None)
            if ids:
                rows = await self.session.execute(
                    select(*columns)
                    .where(Recipient.id.in_(ids), pending)
                    .order_by(Recipient.id)
                    .with_for_update(skip_locked=True)
                )
                for row in rows:
                    found[row.campaign_id].append(row)
        for campaign_id in sorted(set(wanted) - set(singles)):
            rows = await self.session.execute(
                select(*columns)
                .where(Recipient.campaign_id == campaign_id, pending)
                .order_by(Recipient.id)
                .limit(wanted[campaign_id])
                .with_for_update(skip_locked=True)
            )
            found[campaign_id].extend(rows)
        return found

    async def not_to_send_among(
        self, wanted: Iterable[tuple[int, str]], *, absent_since: datetime
    ) -> dict[tuple[int, str], str]:
        """Which of these (user, phone) are skipped, and why: opted out, or known not on
        WhatsApp by an answer given since ``absent_since`` (one round trip for all of them)."""
        pairs = set(wanted)
        if not pairs:
            return {}
        users = sorted({user for user, _ in pairs})
        phones = sorted({phone for _, phone in pairs})
        opted_out = select(
            Suppression.user_id, Suppression.phone, literal(OPTED_OUT).label("reason")
        ).where(Suppression.user_id.in_(users), Suppression.phone.in_(phones))
        absent = select(
            WhatsAppPresence.user_id,
            WhatsAppPresence.phone,
            literal(NOT_ON_WHATSAPP).label("reason"),
        ).where(
            WhatsAppPresence.user_id.in_(users),
            WhatsAppPresence.phone.in_(phones),
            ~WhatsAppPresence.on_whatsapp,
            WhatsAppPresence.checked_at >= absent_since,
        )
        found: dict[tuple[int, str], str] = {}
        for user_id, phone, reason in await self.session.execute(union_all(absent, opted_out)):
            if (user_id, phone) in pairs:
                found[(user_id, phone)] = reason  # an opt-out (read last) says more than absence
        return found

    async def unchecked_ahead(
        self,
        sender_ids: Iterable[int],
        *,
        present_since: datetime,
        absent_since: datetime,
        limit: int,
    ) -> dict[int, list[tuple[int, str]]]:
        """Per sender, (user, phone) of the next ``limit`` pending recipients of each of its
        running campaigns whose next recipient has no answer on WhatsApp given since the
        ``*_since`` of its kind: checked together, a campaign asks once per ``limit`` recipients
        it reaches. Two statements for all the senders (each campaign's next recipient and
        whether it is answered), and one per 50 campaigns whose next is not (each campaign once
        per ``limit`` recipients). A campaign several of them send is asked about by the first."""
        ids = sorted(set(sender_ids))
        if not ids:
            return {}
        first = (
            select(func.min(Recipient.id))
            .where(
                Recipient.campaign_id == Campaign.id, Recipient.status == RecipientStatus.PENDING
            )
            .scalar_subquery()
        )
        campaigns = (
            await self.session.execute(
                select(CampaignSender.sender_id, Campaign.id, Campaign.user_id, first)
                .join(CampaignSender, CampaignSender.campaign_id == Campaign.id)
                .where(CampaignSender.sender_id.in_(ids), Campaign.status == CampaignStatus.RUNNING)
                .order_by(CampaignSender.sender_id, Campaign.id)
            )
        ).all()
        first_ids = sorted({row[3] for row in campaigns if row[3] is not None})
        if not first_ids:
            return {}

        def fresh(user_id: Any) -> ColumnElement[bool]:
            answer = WhatsAppPresence
            return and_(
                answer.user_id == user_id,
                answer.phone == Recipient.phone,
                or_(
                    and_(answer.on_whatsapp, answer.checked_at >= present_since),
                    and_(~answer.on_whatsapp, answer.checked_at >= absent_since),
                ),
            )

        answered = {
            row_id
            for row_id, is_answered in await self.session.execute(
                select(Recipient.id, WhatsAppPresence.id.is_not(None))
                .join(Campaign, Campaign.id == Recipient.campaign_id)
                .outerjoin(WhatsAppPresence, fresh(Campaign.user_id))
                .where(Recipient.id.in_(first_ids))
            )
            if is_answered
        }
        asking: dict[int, tuple[int, int]] = {}  # campaign → (sender asking, user)
        for sender_id, campaign_id, user_id, first_id in campaigns:
            if first_id is not None and first_id not in answered:
                asking.setdefault(campaign_id, (sender_id, user_id))
        unchecked: dict[int, list[tuple[int, str]]] = defaultdict(list)
        asked = sorted(asking)
        for start in range(0, len(asked), CAMPAIGNS_PER_STATEMENT):
            # Each campaign's next recipients by its own index, many campaigns per statement.
            parts = [
                select(
                    Recipient.campaign_id,
                    Recipient.id,
                    Recipient.phone,
                    WhatsAppPresence.id.is_not(None),
                )
                .outerjoin(WhatsAppPresence, fresh(asking[campaign_id][1]))
                .where(
                    Recipient.campaign_id == campaign_id,
                    Recipient.status == RecipientStatus.PENDING,
                )
                .order_by(Recipient.id)
                .limit(limit)
                .subquery()
                for campaign_id in asked[start : start + CAMPAIGNS_PER_STATEMENT]
            ]
            rows = await self.session.execute(union_all(*(select(part) for part in parts)))
            # In claim order (a UNION ALL promises none): each campaign's recipients by id.
            for campaign_id, _, phone, known in sorted(rows, key=lambda row: (row[0], row[1])):
                if not known:
                    sender_id, user_id = asking[campaign_id]
                    unchecked[sender_id].append((user_id, phone))
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

    async def _all_moved(self, claims: Sequence[NewClaim]) -> None:
        """Every row a claim names moved to SENDING under its attempt: a row picked twice would
        be sent twice, so the whole claim is undone instead (nothing has gone out yet). An
        executemany's row count cannot tell (MariaDB's driver reports the last statement's)."""
        rows = {row.id: row.attempt_id for claim in claims for row in claim.recipients}
        moved = await self.session.scalar(
            select(func.count())
            .select_from(Recipient)
            .where(
                Recipient.id.in_(sorted(rows)),
                Recipient.status == RecipientStatus.SENDING,
                Recipient.attempt_id.in_(sorted(rows.values())),
            )
        )
        expected = sum(len(claim.recipients) for claim in claims)
        if moved != expected:
            raise ClaimNotApplied(
                f"{expected} recipients claimed but {moved} moved to SENDING: none is sent"
            )

    async def mark_claimed(
        self, claims: Sequence[NewClaim], *, now: datetime, lease_until: datetime
    ) -> None:
        """PENDING → SENDING with the attempt, its lease and our message id, before any send;
        every claim of a tick in one executemany per table."""
        if not claims:
            return
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
                sender_id=bindparam("new_sender_id"),
                quota_reservation_id=bindparam("new_reservation_id"),
                claimed_at=now,
                lease_expires_at=lease_until,
            ),
            [
                {
                    "row_id": row.id,
                    "new_attempt": row.attempt,
                    "new_attempt_id": row.attempt_id,
                    "new_message_id": row.message_id,
                    "new_sender_id": claim.sender_id,
                    "new_reservation_id": claim.reservation_id,
                }
                for claim in claims
                for row in claim.recipients
            ],
        )
        await self._all_moved(claims)
        # The counter and the first claim's time in one statement per campaign, in id order.
        claimed: Counter[int] = Counter()
        for claim in claims:
            claimed[claim.campaign_id] += len(claim.recipients)
        campaigns = CAMPAIGNS
        await self.session.execute(
            update(campaigns)
            .where(campaigns.c.id == bindparam("campaign"))
            .values(
                sending_count=campaigns.c.sending_count + bindparam("claimed"),
                started_at=func.coalesce(campaigns.c.started_at, now),
            ),
            [{"campaign": c, "claimed": n} for c, n in sorted(claimed.items())],
        )
        turns = cast(Table, CampaignSender.__table__)
        await self.session.execute(
            update(turns)
            .where(
                turns.c.campaign_id == bindparam("campaign"),
                turns.c.sender_id == bindparam("sender"),
            )
            .values(last_used_at=now),
            [
                {"campaign": campaign_id, "sender": sender_id}
                for campaign_id, sender_id in sorted({(c.campaign_id, c.sender_id) for c in claims})
            ],
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
        """Adjust campaigns' counters, one executemany per set of counters moved (a recording
        of many numbers' claims moves the same few on every campaign)."""
        by_columns: dict[tuple[str, ...], list[dict[str, int]]] = defaultdict(list)
        for campaign_id in sorted(deltas):
            changes = {
                COUNTER_COLUMNS[status]: change
                for status, change in deltas[campaign_id].items()
                if change and status in COUNTER_COLUMNS
            }
            if changes:
                by = {f"by_{column}": change for column, change in changes.items()}
                by_columns[tuple(sorted(changes))].append({"campaign": campaign_id, **by})
        if len(by_columns) > 1:
            # Each executemany goes in id order, but not all of them together: lock first.
            await self.lock_campaigns(deltas)
        table = CAMPAIGNS
        for columns, rows in by_columns.items():
            await self.session.execute(
                update(table)
                .where(table.c.id == bindparam("campaign"))
                .values(
                    {column: table.c[column] + bindparam(f"by_{column}") for column in columns}
                ),
                rows,
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
