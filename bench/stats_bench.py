"""Statistics on many recipients: the daily roll-ups beside a plain GROUP BY over the raw rows.

Run: ``.venv/bin/python bench/stats_bench.py [--recipients 10000000]`` (on a temporary SQLite
file: the rows are made by SQLite itself, in a recursive CTE, which is what makes ten million
quick to make).

It makes ``--recipients`` recipient rows for 1,000 users (2 numbers and 5 campaigns each) over
90 days, with every outcome and its times, and the ``message_days`` rows the dispatcher would have
added as it moved them (one GROUP BY here). Then, for 30 days, it times the same
per-day figures (sent, delivered, read, failed, skipped) read both ways, for the platform and for
one user, and the platform's top users by volume: each the median of 5 runs, in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, func, insert, literal, select, text, union_all
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from payam.config import Settings
from payam.db.engine import create_engine
from payam.db.migrate import upgrade_to_head
from payam.models import Campaign, MessageDay, Recipient, RecipientStatus, Sender, User
from payam.stats.repository import Range, StatsRepository

USERS = 1_000
NUMBERS_PER_USER = 2
CAMPAIGNS_PER_USER = 5
DAYS = 90
REACHED = (RecipientStatus.SENT, RecipientStatus.DELIVERED, RecipientStatus.READ)


async def reset(engine: AsyncEngine, url: str) -> None:
    settings = Settings(_env_file=None, database_url=url)
    async with engine.begin() as connection:
        await connection.run_sync(_drop_all)
    async with engine.begin() as connection:
        await connection.run_sync(lambda sync: upgrade_to_head(settings, connection=sync))


def _drop_all(connection: Any) -> None:
    from sqlalchemy import MetaData

    existing = MetaData()
    existing.reflect(connection)
    existing.drop_all(connection)


async def generate(engine: AsyncEngine, recipients: int, today: date) -> float:
    """The rows, made by the database itself (a recursive CTE), then the roll-ups the dispatcher
    would have kept as it moved them; seconds taken."""
    started = time.perf_counter()
    now = datetime.now(UTC)
    first = datetime.combine(today - timedelta(days=DAYS - 1), datetime.min.time())
    async with engine.begin() as connection:
        await connection.execute(
            insert(User),
            [
                {
                    "id": u,
                    "name": f"User {u}",
                    "username": f"user{u}",
                    "email": f"u{u}@x.test",
                    "phone": f"+98912{u:07d}",
                    "password_hash": "x",
                    "role": "USER",
                    "status": "ACTIVE",
                    "subscription_active": False,
                    "time_zone": "Asia/Tehran",
                    "locale": "fa",
                    "created_at": now,
                    "updated_at": now,
                }
                for u in range(1, USERS + 1)
            ],
        )
        await connection.execute(
            insert(Sender),
            [
                {
                    "id": s,
                    "user_id": (s - 1) // NUMBERS_PER_USER + 1,
                    "provider": "sandbox",
                    "display_name": f"N{s}",
                    "phone": f"+98935{s:07d}",
                    "status": "CONNECTED",
                    "provider_config": {},
                    "daily_cap": 500,
                    "pause_seconds": 300,
                    "sent_today": 0,
                    "sent_since_pause": 0,
                    "created_at": now,
                    "updated_at": now,
                }
                for s in range(1, USERS * NUMBERS_PER_USER + 1)
            ],
        )
        await connection.execute(
            insert(Campaign),
            [
                {
                    "id": c,
                    "user_id": (c - 1) // CAMPAIGNS_PER_USER + 1,
                    "title": f"C{c}",
                    "message": "hi",
                    "interval_seconds": 10,
                    "status": "COMPLETED",
                    "total_recipients": 0,
                    "sending_count": 0,
                    "sent_count": 0,
                    "delivered_count": 0,
                    "read_count": 0,
                    "failed_count": 0,
                    "skipped_count": 0,
                    "unknown_count": 0,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for c in range(1, USERS * CAMPAIGNS_PER_USER + 1)
            ],
        )
        # Loaded without its indexes, which are built afterwards (as a restore would): the
        # queries then run on the schema production has, and loading takes minutes, not hours.
        indexes = list(cast(Table, Recipient.__table__).indexes)
        for index in indexes:
            await connection.run_sync(index.drop)
        await connection.execute(
            text(GENERATE), {"count": recipients, "first": first.isoformat(sep=" "), "days": DAYS}
        )
        for index in indexes:
            await connection.run_sync(index.create)
        await connection.execute(text(ROLLUP))
    return time.perf_counter() - started


# Recipient i's campaign, number, outcome and time come from multiplicative hashes of i: spread
# like random draws, the same on every run (1,000 users with 5 campaigns and 2 numbers each).
# Times are written the way SQLite stores them, to the microsecond.
GENERATE = """
WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < :count - 1),
drawn AS (
    SELECT i,
           1 + (i * 7919) % 5000 AS campaign,
           (i * 104729) % 100 AS roll,
           ((i * 2654435761) % 4294967291) % :days AS d,
           ((i * 40503 + 7) % 1000003) AS h2
    FROM n
),
timed AS (
    SELECT i, campaign, roll, h2,
           '+' || d || ' days' AS plus_days, '+' || (h2 % 80000) AS plus_seconds
    FROM drawn
)
INSERT INTO recipients (campaign_id, phone, variables, status, attempt, sender_id,
                        claimed_at, sent_at, delivered_at, read_at)
SELECT campaign, '+98' || printf('%010d', i), '{}',
       CASE WHEN roll < 45 THEN 'READ' WHEN roll < 70 THEN 'DELIVERED'
            WHEN roll < 80 THEN 'SENT' WHEN roll < 88 THEN 'FAILED'
            WHEN roll < 95 THEN 'SKIPPED' ELSE 'PENDING' END,
       1,
       ((campaign - 1) / 5) * 2 + 1 + h2 % 2,
       CASE WHEN roll < 95 THEN
           strftime('%Y-%m-%d %H:%M:%f', :first, plus_days, plus_seconds || ' seconds') || '000'
       END,
       CASE WHEN roll < 80 THEN
           strftime('%Y-%m-%d %H:%M:%f', :first, plus_days, plus_seconds || ' seconds') || '000'
       END,
       CASE WHEN roll < 70 THEN
           strftime('%Y-%m-%d %H:%M:%f', :first, plus_days, plus_seconds || ' seconds',
                    '+2 seconds') || '000'
       END,
       CASE WHEN roll < 45 THEN
           strftime('%Y-%m-%d %H:%M:%f', :first, plus_days, plus_seconds || ' seconds',
                    '+60 seconds') || '000'
       END
FROM timed
"""

# What the dispatcher's ledger adds up as recipients move: each outcome on the day it happened.
ROLLUP = """
INSERT INTO message_days (day, user_id, sender_id, sent, delivered, "read", failed, skipped)
SELECT day, user_id, sender_id, SUM(sent), SUM(delivered), SUM(rd), SUM(failed), SUM(skipped)
FROM (
    SELECT date(r.sent_at) AS day, c.user_id, r.sender_id, 1 AS sent, 0 AS delivered, 0 AS rd,
           0 AS failed, 0 AS skipped
    FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE r.sent_at IS NOT NULL
    UNION ALL
    SELECT date(r.delivered_at), c.user_id, r.sender_id, 0, 1, 0, 0, 0
    FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE r.delivered_at IS NOT NULL
    UNION ALL
    SELECT date(r.read_at), c.user_id, r.sender_id, 0, 0, 1, 0, 0
    FROM recipients r JOIN campaigns c ON c.id = r.campaign_id WHERE r.read_at IS NOT NULL
    UNION ALL
    SELECT date(r.claimed_at), c.user_id, r.sender_id, 0, 0, 0,
           r.status = 'FAILED', r.status = 'SKIPPED'
    FROM recipients r JOIN campaigns c ON c.id = r.campaign_id
    WHERE r.status IN ('FAILED', 'SKIPPED')
)
GROUP BY day, user_id, sender_id
"""


def raw_daily(span: Range, dialect: str, user_id: int | None) -> Any:
    """The per-day figures straight from the recipients: one GROUP BY per kind of time."""

    def day(column: Any) -> Any:
        return (
            func.date(func.timezone("UTC", column))
            if dialect == "postgresql"
            else func.date(column)
        )

    def part(name: str, column: Any, statuses: tuple[RecipientStatus, ...]) -> Any:
        statement = (
            select(day(column).label("day"), literal(name).label("figure"), func.count().label("n"))
            .where(column >= span.start, column < span.end, Recipient.status.in_(statuses))
            .group_by(day(column))
        )
        if user_id is not None:
            statement = (
                statement.select_from(Recipient)
                .join(Campaign, Campaign.id == Recipient.campaign_id)
                .where(Campaign.user_id == user_id)
            )
        return statement

    return union_all(
        part("sent", Recipient.sent_at, REACHED),
        part(
            "delivered", Recipient.delivered_at, (RecipientStatus.DELIVERED, RecipientStatus.READ)
        ),
        part("read", Recipient.read_at, (RecipientStatus.READ,)),
        part("failed", Recipient.claimed_at, (RecipientStatus.FAILED,)),
        part("skipped", Recipient.claimed_at, (RecipientStatus.SKIPPED,)),
    )


def raw_top_users(span: Range) -> Any:
    return (
        select(Campaign.user_id, func.count())
        .select_from(Recipient)
        .join(Campaign, Campaign.id == Recipient.campaign_id)
        .where(
            Recipient.sent_at >= span.start,
            Recipient.sent_at < span.end,
            Recipient.status.in_(REACHED),
        )
        .group_by(Campaign.user_id)
        .order_by(func.count().desc())
        .limit(10)
    )


async def timed(run: Callable[[], Awaitable[Any]], repeats: int = 5) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeats):
        started = time.perf_counter()
        result = await run()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000_000)
    args = parser.parse_args()
    folder = tempfile.TemporaryDirectory()
    url = f"sqlite+aiosqlite:///{Path(folder.name) / 'stats.db'}"
    engine = create_engine(url)
    dialect = engine.dialect.name
    await reset(engine, url)
    today = datetime.now(UTC).date()
    seconds = await generate(engine, args.recipients, today)
    print(f"{args.recipients:,} recipients on {dialect} made in {seconds:.0f} s")
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    span = Range(since=today - timedelta(days=29), until=today)
    async with sessions() as session:
        rollup_rows = await session.scalar(select(func.count()).select_from(MessageDay))
        repository = StatsRepository(session)
        checks = [
            (
                "platform, per day",
                lambda: repository.messages_by_day(span, user_id=None),
                lambda: session.execute(raw_daily(span, dialect, None)),
            ),
            (
                "one user, per day",
                lambda: repository.messages_by_day(span, user_id=42),
                lambda: session.execute(raw_daily(span, dialect, 42)),
            ),
            (
                "top 10 users by volume",
                lambda: repository.top(span, by="volume", key="user_id", user_id=None, limit=10),
                lambda: session.execute(raw_top_users(span)),
            ),
        ]
        print(f"{rollup_rows:,} roll-up rows; 30 days; median of 5 runs")
        print(f"{'figures':<26} {'roll-ups':>10} {'GROUP BY':>10} {'ratio':>8}")
        for label, rolled, raw in checks:
            fast, rolled_result = await timed(rolled)
            slow, raw_result = await timed(raw, repeats=3)
            _check(label, rolled_result, raw_result.all())
            print(f"{label:<26} {fast * 1000:>8.1f}ms {slow * 1000:>8.0f}ms {slow / fast:>7.0f}×")
    await engine.dispose()


def _check(label: str, rolled: Any, raw: list[Any]) -> None:
    """Both ways must give the same figures, or the timing means nothing."""
    if label.startswith("top"):
        assert [row[1] for row in rolled] == [row[1] for row in raw], label
        return
    names = ("sent", "delivered", "read", "failed", "skipped")
    counted: dict[date, list[int]] = defaultdict(lambda: [0] * 5)
    for day, figure, n in raw:
        found = date.fromisoformat(day) if isinstance(day, str) else day
        counted[found][names.index(figure)] = n
    assert dict(counted) == rolled, label


if __name__ == "__main__":
    asyncio.run(main())
