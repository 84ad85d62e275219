"""The rules of imports: who may import where, what a file must be, what a mapping says."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any

import anyio.to_thread
from sqlalchemy.ext.asyncio import AsyncSession

from payam.campaigns.repository import CampaignRepository
from payam.config import Settings
from payam.db.session import commit_now, run_after_commit
from payam.imports.columns import (
    MAX_VARIABLES,
    RESERVED_VARIABLES,
    VARIABLE_NAME,
    ColumnGuess,
    column_index,
    column_names,
    guess_columns,
)
from payam.imports.errors import UnreadableUpload, UploadTooLarge
from payam.imports.fast_phones import PhoneNormalizer
from payam.imports.importer import IMPORTABLE_STATUSES, data_start, rows_total
from payam.imports.parsing import (
    FileFormat,
    Inspection,
    ReadLimits,
    UnreadableFile,
    inspect_file,
    sniff_format,
)
from payam.imports.rejected import neutralize, rejected_header
from payam.imports.repository import ImportRepository
from payam.imports.schemas import (
    ColumnMapping,
    ImportLayout,
    ImportPreview,
    ImportView,
)
from payam.imports.storage import ImportStorage
from payam.imports.tasks import import_contacts
from payam.imports.uploads import UploadSource
from payam.jobs import enqueue
from payam.kit.errors import Conflict, FieldProblem, InvalidInput
from payam.models import Campaign, ContactImport, ImportStatus, User

PREVIEW_ROWS = 10


def import_view(contact_import: ContactImport) -> ImportView:
    total = rows_total(contact_import)
    if contact_import.status is ImportStatus.COMPLETED:
        progress = 1.0
    else:
        progress = min(1.0, contact_import.rows_read / total) if total else 0.0
    mapping = contact_import.mapping
    return ImportView(
        id=contact_import.id,
        campaign_id=contact_import.campaign_id,
        status=contact_import.status,
        file_format=FileFormat(contact_import.file_format),
        filename=contact_import.filename,
        size_bytes=contact_import.size_bytes,
        mapping=(
            ColumnMapping(
                phone=mapping["phone"],
                name=mapping.get("name"),
                variables=mapping.get("variables", {}),
                has_header=mapping["has_header"],
            )
            if mapping
            else None
        ),
        rows_total=total,
        rows_read=contact_import.rows_read,
        imported=contact_import.imported,
        duplicates=contact_import.duplicates,
        rejected=contact_import.rejected,
        progress=round(progress, 4),
        error=contact_import.error,
        created_at=contact_import.created_at,
        finished_at=contact_import.finished_at,
    )


class ImportService:
    def __init__(self, session: AsyncSession, *, settings: Settings) -> None:
        self.session = session
        self.settings = settings
        self.repository = ImportRepository(session)
        self.campaigns = CampaignRepository(session)
        self.storage = ImportStorage(settings.data_dir)
        self.limits = ReadLimits.from_settings(settings)

    async def _importable_campaign(self, campaign_id: int, *, user: User) -> Campaign:
        campaign = await self.campaigns.get_or_404(campaign_id, owner_id=user.id)
        if campaign.status not in IMPORTABLE_STATUSES:
            raise Conflict(
                f"Recipients can be added while a campaign is DRAFT, READY or PAUSED; this one "
                f"is {campaign.status.value}",
                field="campaign_id",
            )
        return campaign

    async def upload(self, *, user: User, campaign_id: int, source: UploadSource) -> ImportPreview:
        """Store and inspect an upload; refused uploads leave no file and no row behind."""
        campaign = await self._importable_campaign(campaign_id, user=user)
        # An upload can take minutes; the request's transaction (opened by the sign-in check)
        # would hold a pooled connection, idle in transaction, for all of it. Ending it here
        # frees the connection; the import row is written in a second, short transaction.
        await commit_now(self.session)
        try:
            received = await self.storage.receive(source.chunks(), max_bytes=source.max_bytes)
        except UnreadableFile as error:
            raise _refusal(error, field=source.field) from error
        try:
            file_format = FileFormat.TEXT if source.pasted else sniff_format(received.head)
            path = self.storage.place(received, file_format)
            inspection = await anyio.to_thread.run_sync(
                partial(inspect_file, path, file_format=file_format, limits=self.limits)
            )
            guess, layout = self._guess_columns(inspection)
            # The campaign may have started (or gone) while the file came in.
            self.session.expire(campaign)
            await self._importable_campaign(campaign_id, user=user)
            contact_import = await self.repository.add(
                ContactImport(
                    user_id=user.id,
                    campaign_id=campaign_id,
                    status=ImportStatus.UPLOADED,
                    file_format=file_format.value,
                    filename=_display_name(source.filename, file_format),
                    storage_key=self.storage.key(path),
                    size_bytes=received.size,
                    layout=layout,
                    mapping={},
                    rows_read=0,
                    imported=0,
                    duplicates=0,
                    rejected=0,
                )
            )
        except UnreadableFile as error:
            await self.storage.remove_directory(received.directory)
            raise _refusal(error, field=source.field) from error
        except BaseException:
            await self.storage.remove_directory(received.directory)
            raise
        sample = [cells for _, cells in inspection.sample]
        rows = sample[1:] if guess.has_header else sample
        width = inspection.width
        return ImportPreview(
            id=contact_import.id,
            campaign_id=campaign_id,
            status=contact_import.status,
            filename=contact_import.filename,
            size_bytes=contact_import.size_bytes,
            layout=ImportLayout(
                format=file_format,
                encoding=inspection.encoding,
                delimiter=inspection.delimiter,
                sheet=inspection.sheet,
                rows=inspection.records,
            ),
            has_header=guess.has_header,
            header=sample[0] if guess.has_header else None,
            columns=guess.columns,
            rows=[row + [""] * (width - len(row)) for row in rows[:PREVIEW_ROWS]],
            mapping=(
                ColumnMapping(
                    phone=guess.phone,
                    name=guess.name,
                    variables=guess.variables,
                    has_header=guess.has_header,
                )
                if guess.phone is not None
                else None
            ),
        )

    def _guess_columns(self, inspection: Inspection) -> tuple[ColumnGuess, dict[str, Any]]:
        """The column guess, and the layout to store: how to read the file, its first row."""
        normalize = PhoneNormalizer(default_region=self.settings.default_phone_region)
        sample = [cells for _, cells in inspection.sample]
        guess = guess_columns(sample, width=inspection.width, normalize=normalize)
        # The first row is kept whatever the guess, for when the user says otherwise.
        layout = {**inspection.layout(), "header": sample[0], "has_header": guess.has_header}
        data_rows = inspection.records - data_start(layout, has_header=guess.has_header)
        if data_rows > self.limits.max_rows:
            raise UnreadableFile(
                f"the file has {data_rows:,} rows, more than the limit of "
                f"{self.limits.max_rows:,}; split it into several imports",
                too_large=True,
            )
        return guess, layout

    async def set_mapping(
        self, *, user: User, import_id: int, mapping: ColumnMapping
    ) -> ContactImport:
        contact_import = await self.get(user=user, import_id=import_id)
        if contact_import.status is not ImportStatus.UPLOADED:
            raise Conflict(
                f"This import is {contact_import.status.value}; its columns can no longer change",
                field="import_id",
            )
        await self._importable_campaign(contact_import.campaign_id, user=user)
        resolved = resolve_mapping(mapping, layout=contact_import.layout)
        records = int(contact_import.layout.get("records", 0))
        data_rows = records - data_start(contact_import.layout, has_header=mapping.has_header)
        if data_rows > self.limits.max_rows:
            raise UploadTooLarge(
                f"Without a header row the file has {data_rows:,} rows; the limit is "
                f"{self.limits.max_rows:,}",
                field="has_header",
            )
        if not await self.repository.queue(import_id, mapping=resolved):
            raise Conflict("This import was queued already", field="import_id")
        await self.session.refresh(contact_import)
        run_after_commit(self.session, partial(enqueue, import_contacts, import_id))
        return contact_import

    async def get(self, *, user: User, import_id: int) -> ContactImport:
        return await self.repository.get_or_404(import_id, owner_id=user.id, name="import")

    async def list(self, *, user: User, campaign_id: int) -> Sequence[ContactImport]:
        await self.campaigns.get_or_404(campaign_id, owner_id=user.id)
        return await self.repository.list_for_campaign(campaign_id)

    async def rejected_file(self, *, user: User, import_id: int) -> tuple[Path | None, str]:
        """The rejected.csv to send, or None with the header-only content when none was written."""
        contact_import = await self.get(user=user, import_id=import_id)
        if contact_import.status not in (ImportStatus.COMPLETED, ImportStatus.FAILED):
            raise Conflict(
                f"This import is {contact_import.status.value}; its rejected rows are ready when "
                "it has finished",
                field="import_id",
            )
        path = self.storage.rejected_path(contact_import.storage_key)
        has_header = bool(contact_import.mapping.get("has_header"))
        header = rejected_header(column_names(contact_import.layout, has_header=has_header))
        empty = "\ufeff" + ",".join(neutralize(cell) for cell in header) + "\r\n"
        exists = await anyio.to_thread.run_sync(path.exists)
        return (path if exists else None), empty


def resolve_mapping(mapping: ColumnMapping, *, layout: dict[str, Any]) -> dict[str, Any]:
    """Check every named column exists; store names for display and indexes for the job."""
    names = column_names(layout, has_header=mapping.has_header)
    problems: list[FieldProblem] = []
    listing = ", ".join(names)

    def index_of(column: str, field: str) -> int | None:
        found = column_index(column, names=names)
        if found is None:
            problems.append(
                FieldProblem(field, f"there is no column {column!r}; the columns are: {listing}")
            )
        return found

    phone_index = index_of(mapping.phone, "phone")
    name_index = index_of(mapping.name, "name") if mapping.name is not None else None
    if len(mapping.variables) > MAX_VARIABLES:
        problems.append(FieldProblem("variables", f"at most {MAX_VARIABLES} variables"))
    variable_indexes: dict[str, int] = {}
    for variable, column in mapping.variables.items():
        field = f"variables.{variable}"
        if not VARIABLE_NAME.fullmatch(variable):
            problems.append(
                FieldProblem(
                    field,
                    "a variable name is letters, digits and _, starts with a letter, "
                    "and is at most 64 characters",
                )
            )
            continue
        if variable.casefold() in RESERVED_VARIABLES:
            problems.append(
                FieldProblem(field, f"{{{{{variable}}}}} is filled from the recipient already")
            )
            continue
        found = index_of(column, field)
        if found is not None:
            variable_indexes[variable] = found
    if problems:
        raise InvalidInput(
            "; ".join(f"{problem.field}: {problem.reason}" for problem in problems),
            problems=problems,
        )
    assert phone_index is not None
    return {
        "has_header": mapping.has_header,
        "phone": mapping.phone,
        "name": mapping.name,
        "variables": dict(mapping.variables),
        "phone_index": phone_index,
        "name_index": name_index,
        "variable_indexes": variable_indexes,
    }


def _display_name(filename: str | None, file_format: FileFormat) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name[:255] or f"upload.{file_format.extension}"


def _refusal(error: UnreadableFile, *, field: str) -> UploadTooLarge | UnreadableUpload:
    refusal = UploadTooLarge if error.too_large else UnreadableUpload
    return refusal(error.reason[:1].upper() + error.reason[1:], field=field)
