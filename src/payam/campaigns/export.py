"""A campaign's report as CSV or XLSX, both streamed while the recipients are read.

The rows are read a page at a time, each page in a short transaction of its own, after the
request's transaction has ended. So a report holds no connection while it waits for a slow
reader, never needs a second connection beside the request's (SQLite has one per process), and
lets the dispatcher write between pages.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.campaigns.repository import CampaignRepository
from payam.db.session import transaction
from payam.kit.spreadsheets import safe_cell
from payam.kit.xlsx import stream_xlsx

HEADER = ["phone", "name", "status", "attempts", "error", "sent_at", "delivered_at", "read_at"]
ROWS_PER_PAGE = 2000


def _time(value: datetime | None) -> str:
    return value.isoformat() if value else ""


async def _pages(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int
) -> AsyncIterator[list[list[str]]]:
    after_id = 0
    while True:
        async with transaction(sessionmaker) as session:
            rows = await CampaignRepository(session).report_page(
                campaign_id, after_id=after_id, limit=ROWS_PER_PAGE
            )
        if not rows:
            return
        after_id = rows[-1].id
        yield [
            [
                row.phone,
                row.name or "",
                row.status.value,
                str(row.attempt),
                row.error or "",
                _time(row.sent_at),
                _time(row.delivered_at),
                _time(row.read_at),
            ]
            for row in rows
        ]


async def csv_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The BOM makes Excel read the Persian names as UTF-8.
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    async for page in _pages(sessionmaker, campaign_id):
        writer.writerows([safe_cell(cell) for cell in row] for row in page)
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue().encode()


def xlsx_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int
) -> AsyncIterator[bytes]:
    return stream_xlsx(_pages(sessionmaker, campaign_id), header=HEADER, sheet_name="recipients")
