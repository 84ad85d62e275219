"""Keeping the daily message roll-ups exact: counted in the transaction that moves recipients.

The dispatcher moves every recipient through ``DispatchRepository.apply_transitions``; that one
place hands its moves here, so a day's figures change exactly when, and only if, the rows do.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from payam.kit.clock import utc_now
from payam.models import Campaign, MessageDay, Recipient, RecipientStatus

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


def outcomes_of(before: RecipientStatus, after: RecipientStatus) -> list[str]:
    """The figures a move from ``before`` to ``after`` adds one to."""
    return [
        name for name, statuses in OUTCOMES.items() if after in statuses and before not in statuses
    ]


async def record_outcomes(
    session: AsyncSession, moves: Mapping[int, tuple[RecipientStatus, RecipientStatus]]
) -> None:
    """Add these recipients' moves (id → (from, to)) to today's roll-ups, in this transaction."""
    counted = {row_id: outcomes_of(*move) for row_id, move in moves.items()}
    counted = {row_id: names for row_id, names in counted.items() if names}
    if not counted:
        return
    owners = await session.execute(
        select(Recipient.id, Recipient.sender_id, Campaign.user_id)
        .join(Campaign, Campaign.id == Recipient.campaign_id)
        .where(Recipient.id.in_(sorted(counted)))
    )
    tally: dict[tuple[int, int], Counter[str]] = defaultdict(Counter)
    for row in owners:
        tally[(row.user_id, row.sender_id or 0)].update(counted[row.id])
    await add_to_days(session, utc_now().date(), tally)


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
