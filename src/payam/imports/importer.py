"""The import itself: stream the file, normalize, dedupe, insert in batches, with progress.

Made for an at-least-once queue. Each batch is one transaction that inserts its recipients,
adds them to ``Campaign.total_recipients`` and advances the import's ``rows_read`` and counters,
all or nothing. A run that starts on an import already RUNNING (a crash, a redelivered message)
skips the ``rows_read`` rows already done; two runs at once take turns on the campaign's row lock,
and the one that finds ``rows_read`` moved under it stops. Nothing is inserted twice.

Memory stays flat whatever the file's size: one batch of rows at a time. Duplicates within a
batch are dropped in memory; the rest are left to the unique (campaign_id, phone) index, which
knows the campaign's earlier recipients and this file's earlier batches alike, so no set of every
phone seen is kept.
"""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import timedelta
from itertools import islice
from json.encoder import encode_basestring
from typing import Any

import structlog

from payam.db.session import transaction
from payam.imports.columns import column_names
from payam.imports.fast_phones import InvalidPhoneNumber, PhoneNormalizer
from payam.imports.parsing import FileFormat, UnreadableFile, is_blank, open_records
from payam.imports.rejected import RejectedRows, rejected_header
from payam.imports.repository import ImportRepository
from payam.imports.storage import ImportStorage
from payam.kit.clock import utc_now
from payam.models import CampaignStatus, ContactImport, ImportStatus
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)

BATCH_ROWS = 5_000
NAME_MAX_CHARS = 255
IMPORTABLE_STATUSES = (CampaignStatus.DRAFT, CampaignStatus.READY, CampaignStatus.PAUSED)


class ImportStopped(Exception):
    """The import cannot go on; ``reason`` is shown to the user and the import FAILS."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class ImportSuperseded(Exception):
    """Another run of the same import has done this batch already: this run bows out."""


def data_start(layout: dict[str, Any], *, has_header: bool) -> int:
    """Index of the first data record: after blank leading rows, and the header if any."""
    return int(layout.get("first_record", 0)) + (1 if has_header else 0)


def rows_total(contact_import: ContactImport) -> int:
    has_header = bool(
        contact_import.mapping.get("has_header", contact_import.layout.get("has_header"))
    )
    records = int(contact_import.layout.get("records", 0))
    return max(0, records - data_start(contact_import.layout, has_header=has_header))


@dataclass(slots=True)
class _Batch:
    rows: int = 0  # data records read, blank ones included: what rows_read advances by
    duplicates: int = 0  # repeated within this batch
    # phone → (name, variables as JSON text), first occurrence in the batch wins
    recipients: dict[str, tuple[str | None, str]] = field(default_factory=dict)
    rejected: list[tuple[int, str, list[str]]] = field(default_factory=list)


class Importer:
    def __init__(self, runtime: Runtime, contact_import: ContactImport, *, batch_rows: int) -> None:
        self.runtime = runtime
        self.id = contact_import.id
        self.campaign_id = contact_import.campaign_id
        self.storage_key = contact_import.storage_key
        self.file_format = FileFormat(contact_import.file_format)
        self.layout = contact_import.layout
        self.mapping = contact_import.mapping
        self.rows_read = contact_import.rows_read
        self.already_rejected = contact_import.rejected
        self.batch_rows = batch_rows
        self.normalize = PhoneNormalizer(default_region=runtime.settings.default_phone_region)
        self.storage = ImportStorage(runtime.settings.data_dir)
        self.imported_now = 0
        self._rejected: RejectedRows | None = None

    async def run(self) -> None:
        """Read a batch, write it, repeat.

        Reading (parsing, normalizing) runs in a thread of its own so that the worker's event
        loop stays free for other jobs meanwhile; one dedicated thread does every read because
        calamine's objects must stay on the thread that opened them. Reading the next batch
        while this one is written was tried, and was slower: both halves want the GIL, and
        SQLite's thread waits for it after every row.
        """
        loop = asyncio.get_running_loop()
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-reader") as reader:
            source = ExitStack()
            try:
                remaining = await loop.run_in_executor(reader, self._open, source)
                while batch := await loop.run_in_executor(reader, self._read_batch, remaining):
                    await self._commit(batch)
            except FileNotFoundError as error:
                raise ImportStopped("the uploaded file is gone; upload it again") from error
            except UnreadableFile as error:
                raise ImportStopped(error.reason) from error
            except (csv.Error, UnicodeDecodeError) as error:  # the stored file changed?
                raise ImportStopped(f"the file cannot be read any more ({error})") from error
            finally:
                await loop.run_in_executor(reader, source.close)
                if self._rejected is not None:
                    self._rejected.close()

    def _open(self, source: ExitStack) -> Iterator[tuple[int, list[str]]]:
        records = source.enter_context(
            open_records(
                self.storage.path(self.storage_key),
                file_format=self.file_format,
                layout=self.layout,
            )
        )
        has_header = bool(self.mapping["has_header"])
        skip = data_start(self.layout, has_header=has_header) + self.rows_read
        # Rows done by an earlier run are read past, not processed again.
        return enumerate(islice(records, skip, None), start=skip)

    def _read_batch(self, records: Iterator[tuple[int, list[str]]]) -> _Batch | None:
        """Up to ``batch_rows`` records, normalized and deduped among themselves.

        The hot loop of an import: a million iterations, so lookups are hoisted into locals.
        """
        phone_index = int(self.mapping["phone_index"])
        name_index: int | None = self.mapping.get("name_index")
        encode_variables = _variables_encoder(self.mapping.get("variable_indexes", {}))
        normalize = self.normalize
        batch = _Batch()
        recipients = batch.recipients
        rejected = batch.rejected
        for index, cells in islice(records, self.batch_rows):
            batch.rows += 1
            width = len(cells)
            raw = cells[phone_index].strip() if phone_index < width else ""
            if not raw and is_blank(cells):
                continue  # an empty row: read, and nothing to say about it
            try:
                phone = normalize(raw)
            except InvalidPhoneNumber as error:
                rejected.append((index + 1, str(error), cells))
                continue
            if phone in recipients:
                batch.duplicates += 1
                continue
            # The column is 255 characters; a longer "name" is a pasted paragraph, kept in
            # part rather than refusing the number it came with.
            name = (
                cells[name_index].strip()[:NAME_MAX_CHARS] or None
                if name_index is not None and name_index < width
                else None
            )
            recipients[phone] = (name, encode_variables(cells))
        return batch if batch.rows else None

    def _rejected_rows(self) -> RejectedRows:
        """The rejected.csv writer, opened by the first batch that proved this run is the one
        (its ``advance`` matched): opening it earlier could cut the file back under a concurrent
        run that is ahead.
        """
        if self._rejected is None:
            has_header = bool(self.mapping["has_header"])
            self._rejected = RejectedRows(
                self.storage.rejected_path(self.storage_key),
                header=rejected_header(column_names(self.layout, has_header=has_header)),
                keep=self.already_rejected,
            )
        return self._rejected

    async def _commit(self, batch: _Batch) -> None:
        async with transaction(self.runtime.sessionmaker) as session:
            repository = ImportRepository(session)
            # The lock first: it orders this batch after any other writer of the campaign.
            if not await repository.lock_campaign_if(
                self.campaign_id, statuses=IMPORTABLE_STATUSES
            ):
                status = await repository.campaign_status(self.campaign_id)
                raise ImportStopped(
                    f"the campaign is {status.value if status else 'deleted'} now, so the import "
                    f"stopped after {self.rows_read:,} rows"
                )
            inserted = await repository.insert_new_recipients(
                self.campaign_id,
                [(phone, name, variables) for phone, (name, variables) in batch.recipients.items()],
            )
            await repository.add_to_total(self.campaign_id, inserted)
            if not await repository.advance(
                self.id,
                from_row=self.rows_read,
                to_row=self.rows_read + batch.rows,
                imported=inserted,
                # Repeated within the batch, or already in the campaign (earlier batches too).
                duplicates=batch.duplicates + len(batch.recipients) - inserted,
                rejected=len(batch.rejected),
            ):
                raise ImportSuperseded  # rolls this batch back: the other run did it
            self._rejected_rows().write(batch.rejected)
        self.rows_read += batch.rows
        self.imported_now += inserted


def _variables_encoder(variable_indexes: dict[str, int]) -> Callable[[list[str]], str]:
    """cells → the recipient's variables as JSON text, as json.dumps would write them.

    Written straight to text with the json module's C string encoder: a dict and a json.dumps
    per row were a fifth of the import's time.
    """
    if not variable_indexes:
        return lambda cells: "{}"
    keys = [(encode_basestring(name) + ":", index) for name, index in variable_indexes.items()]
    if len(keys) == 1:  # the usual case, without the join
        ((key, only),) = keys

        def encode_one(cells: list[str]) -> str:
            return (
                "{"
                + key
                + encode_basestring(cells[only].strip() if only < len(cells) else "")
                + "}"
            )

        return encode_one

    def encode(cells: list[str]) -> str:
        width = len(cells)
        return (
            "{"
            + ",".join(
                key + encode_basestring(cells[index].strip() if index < width else "")
                for key, index in keys
            )
            + "}"
        )

    return encode


async def run_import(runtime: Runtime, import_id: int, *, batch_rows: int | None = None) -> None:
    """Run (or resume) one import to COMPLETED or FAILED; safe to call any number of times.

    Raises on unexpected errors (the database went away…) so that the queue retries; the import
    stays RUNNING and the retry resumes it.
    """
    async with transaction(runtime.sessionmaker) as session:
        contact_import = await ImportRepository(session).claim(import_id)
    if contact_import is None:
        logger.info("import_not_runnable", import_id=import_id)
        return
    importer = Importer(runtime, contact_import, batch_rows=batch_rows or BATCH_ROWS)
    log = logger.bind(import_id=import_id, campaign_id=contact_import.campaign_id)
    log.info("import_started", resume_from=contact_import.rows_read)
    try:
        await importer.run()
    except ImportSuperseded:
        log.info("import_superseded", rows_read=importer.rows_read)
        return
    except ImportStopped as stop:
        await finish_import(runtime, import_id, status=ImportStatus.FAILED, error=stop.reason)
        log.info("import_failed", reason=stop.reason)
        return
    if await finish_import(runtime, import_id, status=ImportStatus.COMPLETED, error=None):
        # The source is no longer needed; rejected.csv beside it stays for download.
        await importer.storage.remove_source(contact_import.storage_key)
    log.info("import_completed", rows_read=importer.rows_read, imported=importer.imported_now)


async def finish_import(
    runtime: Runtime, import_id: int, *, status: ImportStatus, error: str | None
) -> bool:
    async with transaction(runtime.sessionmaker) as session:
        return await ImportRepository(session).finish(import_id, status=status, error=error)


async def stalled_imports(runtime: Runtime, *, idle_for: timedelta) -> list[int]:
    """Imports QUEUED or RUNNING that nothing has moved for ``idle_for``: their run was lost."""
    async with transaction(runtime.sessionmaker) as session:
        return await ImportRepository(session).unfinished(updated_before=utc_now() - idle_for)
