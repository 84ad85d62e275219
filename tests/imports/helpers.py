"""Uploading lists and waiting for imports, the way a client of the API does it."""

from __future__ import annotations

import asyncio
import io
import time
from pathlib import Path
from typing import Any

import httpx
import xlsxwriter
from sqlalchemy import func, select

from payam.db.session import transaction
from payam.models import Campaign, CampaignStatus, ContactImport, Recipient
from payam.runtime import Runtime

FINISHED = {"COMPLETED", "FAILED"}


async def create_campaign(
    runtime: Runtime, *, user_id: int, status: CampaignStatus = CampaignStatus.DRAFT
) -> int:
    async with transaction(runtime.sessionmaker) as session:
        campaign = Campaign(user_id=user_id, title="Spring sale", message="Hi {{name}}")
        campaign.status = status
        session.add(campaign)
        await session.flush()
        return campaign.id


async def upload(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign_id: int,
    content: bytes,
    *,
    filename: str = "list.csv",
    content_type: str = "text/csv",
) -> httpx.Response:
    return await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports",
        files={"file": (filename, content, content_type)},
        headers=headers,
    )


async def paste(
    client: httpx.AsyncClient, headers: dict[str, str], campaign_id: int, text: str
) -> httpx.Response:
    return await client.post(
        f"/api/v1/campaigns/{campaign_id}/imports", json={"text": text}, headers=headers
    )


async def map_columns(
    client: httpx.AsyncClient, headers: dict[str, str], import_id: int, **mapping: Any
) -> httpx.Response:
    return await client.put(f"/api/v1/imports/{import_id}/mapping", json=mapping, headers=headers)


async def wait_for_import(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    import_id: int,
    *,
    within_seconds: float = 60.0,
) -> dict[str, Any]:
    """Poll the import as a browser would, until it has finished or ``within_seconds`` pass."""
    deadline = time.monotonic() + within_seconds
    while True:
        response = await client.get(f"/api/v1/imports/{import_id}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        if body["status"] in FINISHED:
            return body
        assert time.monotonic() < deadline, f"import still {body['status']}: {body}"
        await asyncio.sleep(0.05)


async def import_file(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    campaign_id: int,
    content: bytes,
    *,
    filename: str = "list.csv",
    **mapping: Any,
) -> dict[str, Any]:
    """Upload, map as guessed unless told otherwise, and wait for the import to finish."""
    uploaded = await upload(client, headers, campaign_id, content, filename=filename)
    assert uploaded.status_code == 201, uploaded.text
    preview = uploaded.json()
    chosen = {**(preview["mapping"] or {}), **mapping}
    mapped = await map_columns(client, headers, preview["id"], **chosen)
    assert mapped.status_code == 202, mapped.text
    return await wait_for_import(client, headers, preview["id"])


async def recipients(runtime: Runtime, campaign_id: int) -> dict[str, tuple[str | None, Any]]:
    """phone → (name, variables) of every recipient of the campaign."""
    async with transaction(runtime.sessionmaker) as session:
        rows = await session.execute(
            select(Recipient.phone, Recipient.name, Recipient.variables).where(
                Recipient.campaign_id == campaign_id
            )
        )
        return {phone: (name, variables) for phone, name, variables in rows}


async def campaign_total(runtime: Runtime, campaign_id: int) -> tuple[int, int]:
    """(Campaign.total_recipients, the number of recipient rows): they must be equal."""
    async with transaction(runtime.sessionmaker) as session:
        total = await session.scalar(
            select(Campaign.total_recipients).where(Campaign.id == campaign_id)
        )
        rows = await session.scalar(
            select(func.count()).select_from(Recipient).where(Recipient.campaign_id == campaign_id)
        )
        return int(total or 0), int(rows or 0)


async def import_rows(runtime: Runtime) -> int:
    async with transaction(runtime.sessionmaker) as session:
        return int(await session.scalar(select(func.count()).select_from(ContactImport)) or 0)


def stored_files(data_dir: Path) -> list[Path]:
    root = data_dir / "imports"
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []


def xlsx_bytes(rows: list[list[Any]], *, sheet: str = "Contacts") -> bytes:
    """A workbook as Excel writes it; numbers stay numbers (09… typed as a number loses its 0)."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    worksheet = workbook.add_worksheet(sheet)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, int | float):
                worksheet.write_number(r, c, value)
            else:
                worksheet.write_string(r, c, value)
    workbook.close()
    return buffer.getvalue()
