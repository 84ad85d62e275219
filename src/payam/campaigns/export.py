"""A campaign's report as CSV (streamed) or XLSX (built in constant memory on disk)."""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import xlsxwriter
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from payam.kit.spreadsheets import safe_cell
from payam.models import Recipient

HEADER = ["phone", "name", "status", "attempts", "error", "sent_at", "delivered_at", "read_at"]
ROWS_PER_FETCH = 2000


def _time(value: datetime | None) -> str:
    return value.isoformat() if value else ""


async def _rows(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int
) -> AsyncIterator[list[str]]:
    async with sessionmaker() as session:
        result = await session.stream(
            select(
                Recipient.phone,
                Recipient.name,
                Recipient.status,
                Recipient.attempt,
                Recipient.error,
                Recipient.sent_at,
                Recipient.delivered_at,
                Recipient.read_at,
            )
            .where(Recipient.campaign_id == campaign_id)
            .order_by(Recipient.id)
            .execution_options(yield_per=ROWS_PER_FETCH)
        )
        async for row in result:
            yield [
                row.phone,
                row.name or "",
                row.status.value,
                str(row.attempt),
                row.error or "",
                _time(row.sent_at),
                _time(row.delivered_at),
                _time(row.read_at),
            ]


async def csv_chunks(
    sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int
) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    # The BOM makes Excel read the Persian names as UTF-8.
    buffer.write("\ufeff")
    writer.writerow(HEADER)
    count = 0
    async for row in _rows(sessionmaker, campaign_id):
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
        if count % ROWS_PER_FETCH == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


async def xlsx_file(sessionmaker: async_sessionmaker[AsyncSession], campaign_id: int) -> Path:
    """Write the report to a temporary file; the caller deletes it once sent.

    Every cell is written as a string with formulas switched off, so a name like ``=HYPERLINK(…)``
    stays text in the workbook without the apostrophe the CSV needs.
    """
    descriptor, name = tempfile.mkstemp(prefix="payam-report-", suffix=".xlsx")
    os.close(descriptor)
    options = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(name, options)
    sheet = workbook.add_worksheet("recipients")
    sheet.write_row(0, 0, HEADER)
    row_number = 1
    async for row in _rows(sessionmaker, campaign_id):
        sheet.write_row(row_number, 0, row)
        row_number += 1
    workbook.close()
    return Path(name)
