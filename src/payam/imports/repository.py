"""All SQL of imports: the import rows, and recipients inserted in batches."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update

from payam.kit.clock import utc_now
from payam.kit.repository import Repository
from payam.models import (
    Campaign,
    CampaignStatus,
    ContactImport,
    ImportStatus,
    Recipient,
    RecipientStatus,
)

# Well under every backend's limit on bound parameters (SQLite 32,766, PostgreSQL 32,767).
IN_LIST_CHUNK = 5_000
RECIPIENTS = Recipient.__tablename__


def _rowcount(result: Any) -> int:
    assert isinstance(result, CursorResult)
    return int(result.rowcount)


class ImportRepository(Repository[ContactImport]):
    model = ContactImport

    # --- imports ------------------------------------------------------------------------------

    async def add(self, contact_import: ContactImport) -> ContactImport:
        self.session.add(contact_import)
        await self.session.flush()
        return contact_import

    async def list_for_campaign(self, campaign_id: int) -> Sequence[ContactImport]:
        statement = (
            select(ContactImport)
            .where(ContactImport.campaign_id == campaign_id)
            .order_by(ContactImport.id.desc())
        )
        return (await self.session.scalars(statement)).all()

    async def queue(self, import_id: int, *, mapping: dict[str, Any]) -> bool:
        """UPLOADED → QUEUED with its mapping; False when another request got there first."""
        result = await self.session.execute(
            update(ContactImport)
            .where(ContactImport.id == import_id, ContactImport.status == ImportStatus.UPLOADED)
            .values(status=ImportStatus.QUEUED, mapping=mapping)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def claim(self, import_id: int) -> ContactImport | None:
        """QUEUED (or RUNNING, left by a crashed or duplicate run) → RUNNING; None otherwise."""
        result = await self.session.execute(
            update(ContactImport)
            .where(
                ContactImport.id == import_id,
                ContactImport.status.in_([ImportStatus.QUEUED, ImportStatus.RUNNING]),
            )
            .values(status=ImportStatus.RUNNING)
            .execution_options(synchronize_session=False)
        )
        if _rowcount(result) != 1:
            return None
        return await self.session.get(ContactImport, import_id, populate_existing=True)

    async def advance(
        self,
        import_id: int,
        *,
        from_row: int,
        to_row: int,
        imported: int,
        duplicates: int,
        rejected: int,
    ) -> bool:
        """Record one batch; False when ``rows_read`` moved on: another run did this batch."""
        result = await self.session.execute(
            update(ContactImport)
            .where(
                ContactImport.id == import_id,
                ContactImport.rows_read == from_row,
                ContactImport.status == ImportStatus.RUNNING,
            )
            .values(
                rows_read=to_row,
                imported=ContactImport.imported + imported,
                duplicates=ContactImport.duplicates + duplicates,
                rejected=ContactImport.rejected + rejected,
            )
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def finish(self, import_id: int, *, status: ImportStatus, error: str | None) -> bool:
        result = await self.session.execute(
            update(ContactImport)
            .where(
                ContactImport.id == import_id,
                ContactImport.status.in_(
                    [ImportStatus.UPLOADED, ImportStatus.QUEUED, ImportStatus.RUNNING]
                ),
            )
            .values(status=status, error=error, finished_at=utc_now())
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def unfinished(self, *, updated_before: datetime) -> list[int]:
        statement = (
            select(ContactImport.id)
            .where(
                ContactImport.status.in_([ImportStatus.QUEUED, ImportStatus.RUNNING]),
                ContactImport.updated_at <= updated_before,
            )
            .order_by(ContactImport.id)
        )
        return list((await self.session.scalars(statement)).all())

    async def requeue_if_stalled(self, import_id: int, *, updated_before: datetime) -> bool:
        """Mark a stalled import as just seen; True for the one caller that did.

        Every worker's housekeeping looks for stalled imports; this makes only one of them queue
        a new run, and the next look wait another ``updated_before`` period for it.
        """
        result = await self.session.execute(
            update(ContactImport)
            .where(
                ContactImport.id == import_id,
                ContactImport.status.in_([ImportStatus.QUEUED, ImportStatus.RUNNING]),
                ContactImport.updated_at <= updated_before,
            )
            .values(updated_at=utc_now())
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    # --- housekeeping -------------------------------------------------------------------------

    async def unmapped(self, *, created_before: datetime) -> list[tuple[int, str]]:
        """(id, storage_key) of imports still UPLOADED, waiting for their columns, since before."""
        statement = (
            select(ContactImport.id, ContactImport.storage_key)
            .where(
                ContactImport.status == ImportStatus.UPLOADED,
                ContactImport.created_at <= created_before,
            )
            .order_by(ContactImport.id)
        )
        return [(row.id, row.storage_key) for row in await self.session.execute(statement)]

    async def expire(self, import_id: int, *, error: str) -> bool:
        """UPLOADED → FAILED; False when its columns were chosen meanwhile (or it expired)."""
        result = await self.session.execute(
            update(ContactImport)
            .where(ContactImport.id == import_id, ContactImport.status == ImportStatus.UPLOADED)
            .values(status=ImportStatus.FAILED, error=error, finished_at=utc_now())
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def statuses(self, storage_keys: Sequence[str]) -> dict[str, ImportStatus]:
        """storage_key → status of the imports stored under any of ``storage_keys``."""
        found: dict[str, ImportStatus] = {}
        for start in range(0, len(storage_keys), IN_LIST_CHUNK):
            chunk = list(storage_keys[start : start + IN_LIST_CHUNK])
            rows = await self.session.execute(
                select(ContactImport.storage_key, ContactImport.status).where(
                    ContactImport.storage_key.in_(chunk)
                )
            )
            found.update({row.storage_key: row.status for row in rows})
        return found

    # --- campaigns and recipients -------------------------------------------------------------

    async def lock_campaign_if(
        self, campaign_id: int, *, statuses: Sequence[CampaignStatus]
    ) -> bool:
        """Lock the campaign's row for this transaction if its status is one of ``statuses``.

        A no-op UPDATE rather than SELECT … FOR UPDATE: it takes the row lock on PostgreSQL and
        MariaDB and the write lock on SQLite (where a SELECT would not even begin the
        transaction), so imports into one campaign, and the dispatcher's counter updates,
        take turns. MariaDB counts matched rows here: SQLAlchemy sets CLIENT_FOUND_ROWS.
        """
        result = await self.session.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.status.in_(list(statuses)))
            .values(total_recipients=Campaign.total_recipients)
            .execution_options(synchronize_session=False)
        )
        return _rowcount(result) == 1

    async def campaign_status(self, campaign_id: int) -> CampaignStatus | None:
        return await self.session.scalar(select(Campaign.status).where(Campaign.id == campaign_id))

    async def add_to_total(self, campaign_id: int, count: int) -> None:
        if count:
            await self.session.execute(
                update(Campaign)
                .where(Campaign.id == campaign_id)
                .values(total_recipients=Campaign.total_recipients + count)
                .execution_options(synchronize_session=False)
            )

    # What follows runs once per 5,000 rows of an import and is most of its time. It is driver
    # SQL because SQLAlchemy's per-row parameter processing (bind processors, expanding IN
    # lists) cost more than SQLite's own work, about 5 µs a row.

    async def insert_new_recipients(
        self, campaign_id: int, rows: Sequence[tuple[str, str | None, str]]
    ) -> int:
        """Insert the rows whose phone the campaign lacks; returns how many were inserted.

        ``rows`` are (phone, name, variables as JSON text), their phones distinct. Values are
        what the ORM would store: the status enum's value, JSON text every backend reads back.
        The caller holds the campaign's lock, so no one else adds recipients meanwhile.

        SQLite and MariaDB let the unique (campaign_id, phone) index skip the phones already
        there and count the rest in the same statement (a separate SELECT of them cost a tenth
        of the import). asyncpg's executemany reports no row count, so PostgreSQL asks first.
        """
        if not rows:
            return 0
        connection = await self.session.connection()
        dialect = connection.dialect.name
        columns = "campaign_id, phone, name, variables, status, attempt"
        marks = ", ".join(_placeholders(connection.dialect.paramstyle, 6))
        skips_existing = dialect in ("sqlite", "mysql", "mariadb")
        if dialect == "sqlite":
            statement = (
                f"INSERT INTO {RECIPIENTS} ({columns}) VALUES ({marks}) "  # noqa: S608
                "ON CONFLICT (campaign_id, phone) DO NOTHING"
            )
        elif dialect in ("mysql", "mariadb"):
            # IGNORE would also silence truncations, but no value here can be too long: phones
            # are E.164 and names are cut to the column's 255 characters before.
            statement = f"INSERT IGNORE INTO {RECIPIENTS} ({columns}) VALUES ({marks})"  # noqa: S608
        else:
            existing = await self.existing_phones(campaign_id, [row[0] for row in rows])
            rows = [row for row in rows if row[0] not in existing]
            if not rows:
                return 0
            statement = f"INSERT INTO {RECIPIENTS} ({columns}) VALUES ({marks})"  # noqa: S608
        pending = RecipientStatus.PENDING.value
        result = await connection.exec_driver_sql(
            statement,
            [(campaign_id, phone, name, variables, pending, 0) for phone, name, variables in rows],
        )
        # The driver's count is the rows inserted, the skipped ones not included.
        return result.rowcount if skips_existing else len(rows)

    async def existing_phones(self, campaign_id: int, phones: Sequence[str]) -> set[str]:
        connection = await self.session.connection()
        found: set[str] = set()
        for start in range(0, len(phones), IN_LIST_CHUNK):
            chunk = list(phones[start : start + IN_LIST_CHUNK])
            marks = _placeholders(connection.dialect.paramstyle, len(chunk) + 1)
            result = await connection.exec_driver_sql(
                f"SELECT phone FROM {RECIPIENTS} WHERE campaign_id = {marks[0]} "  # noqa: S608
                f"AND phone IN ({', '.join(marks[1:])})",
                (campaign_id, *chunk),
            )
            found.update(row[0] for row in result)
        return found


def _placeholders(paramstyle: str, count: int) -> list[str]:
    """Positional parameter markers in the driver's own style."""
    if paramstyle == "qmark":
        return ["?"] * count
    if paramstyle in ("format", "pyformat"):
        return ["%s"] * count
    if paramstyle == "numeric_dollar":
        return [f"${position}" for position in range(1, count + 1)]
    if paramstyle == "numeric":
        return [f":{position}" for position in range(1, count + 1)]
    raise NotImplementedError(f"parameter style {paramstyle!r}")
