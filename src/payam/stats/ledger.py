"""Keeping the daily message roll-ups exact: counted in the transaction that moves recipients.

The dispatcher moves every recipient through ``DispatchRepository.apply_transitions``; that one
place hands its moves here, so a day's figures change exactly when, and only if, the rows do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, cast
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, Table, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.clock import utc_now
from payam.models import Campaign, MessageDay, RecipientStatus

# Each figure counts the recipients that entered its set of statuses: a message is "sent" once it
# reached WhatsApp, whether our record or a receipt (delivered, read) said so first.
OUTCOMES: dict[str, frozenset[RecipientStatus]] = {
    "sent": frozenset({RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ}),
    "delivered": frozenset({RecipientStatus.DELIVERED, RecipientStatus.READ}),
    "read": frozenset({RecipientStatus.READ}),
    "failed": frozenset({RecipientStatus.FAILED}),
    "skipped": frozenset({RecipientStatus.SKIPPED}),
}
_KEY = ("day", "user_id", "sender_id")
# A campaign's owner never changes, so each process asks once per campaign (per database: tests
# open one after another, and SQLite may give a new campaign an old one's id).
_OWNERS: WeakKeyDictionary[Engine, dict[int, int]] = WeakKeyDictionary()
_OWNERS_KEPT = 100_000


@dataclass(frozen=True, slots=True)
class Move:
    """One recipient's change of status, with what its figures are kept by."""

    before: RecipientStatus
    after: RecipientStatus
    campaign_id: int
    sender_id: int | None


def outcomes_of(before: RecipientStatus, after: RecipientStatus) -> list[str]:
    """The figures a move from ``before`` to ``after`` adds one to."""
    return [
        name for name, statuses in OUTCOMES.items() if after in statuses and before not in statuses
    ]


async def record_outcomes(session: AsyncSession, moves: Mapping[int, Move]) -> None:
    """Add these recipients' moves (id → move) to today's roll-ups, in this transaction: one
    upsert, and a look-up of the owners of campaigns this process has not seen yet."""
    counted = [(move, outcomes_of(move.before, move.after)) for move in moves.values()]
    counted = [(move, names) for move, names in counted if names]
    if not counted:
        return
    owners = await campaign_owners(session, {move.campaign_id for move, _ in counted})
    tally: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for move, names in counted:
        owner = owners.get(move.campaign_id)
        if owner is not None:
            tally[(owner, move.sender_id or 0)].update(names)
    await add_to_days(session, utc_now().date(), tally)


async def campaign_owners(session: AsyncSession, campaign_ids: Iterable[int]) -> dict[int, int]:
    """Campaign id → its user's id, from this process's memory where it can."""
    known = _OWNERS.setdefault(session.get_bind().engine, {})
    wanted = set(campaign_ids)
    missing = sorted(wanted - known.keys())
    if missing:
        if len(known) > _OWNERS_KEPT:
            known.clear()
        rows = await session.execute(
            select(Campaign.id, Campaign.user_id).where(Campaign.id.in_(missing))
        )
        known.update({row.id: row.user_id for row in rows})
    return {campaign_id: known[campaign_id] for campaign_id in wanted if campaign_id in known}


async def add_to_days(
    session: AsyncSession, day: date, tally: Mapping[tuple[int, int], Counter[str]]
) -> None:
    """Add ``tally`` ((user, number) → figures) to ``day``'s rows, making the missing ones.

    In key order, so two transactions adding to the same rows take their locks alike.
    """
    rows = [
        {"day": day, "user_id": user_id, "sender_id": sender_id}
        | {name: figures[name] for name in OUTCOMES}
        for (user_id, sender_id), figures in sorted(tally.items())
    ]
    if rows:
        await session.execute(_upsert(session), rows)


def _upsert(session: AsyncSession) -> Any:
    dialect = session.get_bind().dialect.name
    table = cast(Table, MessageDay.__table__)
    if dialect in {"mysql", "mariadb"}:
        statement = mysql.insert(table)
        return statement.on_duplicate_key_update(
            {name: table.c[name] + statement.inserted[name] for name in OUTCOMES}
        )
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    upsert = insert(table)
    return upsert.on_conflict_do_update(
        index_elements=list(_KEY),
        set_={name: table.c[name] + upsert.excluded[name] for name in OUTCOMES},
    )
