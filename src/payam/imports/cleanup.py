"""Imports' files that nothing needs any more, removed by every worker's housekeeping pass.

The database is the truth. An import's directory (``{data_dir}/imports/<random>/``) stays while
its row does: the source until the import has finished, then rejected.csv for download. Past the
grace period (``PAYAM_FILE_GRACE_HOURS``):

- an upload whose columns were never chosen expires (FAILED, saying so) and its files go;
- a failed import's source goes (it is never read again; rejected.csv stays);
- a directory no row names goes: an upload cut off before its row was written, or the files of
  an import whose campaign (or user) was deleted and that its delete did not take along.

Several workers may sweep at once: each expiry is one guarded UPDATE, and removing what another
pass removed first is not an error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import anyio.to_thread
import structlog

from payam.db.session import transaction
from payam.imports.repository import ImportRepository
from payam.imports.storage import ImportStorage
from payam.kit.clock import utc_now
from payam.kit.files import last_modified, remove_directory
from payam.models import ImportStatus
from payam.runtime import Runtime

logger = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class ImportSweep:
    expired: int = 0  # uploads never mapped, now FAILED
    sources_removed: int = 0  # failed imports' sources
    orphans_removed: int = 0  # directories no import row names


def unmapped_error(grace: timedelta) -> str:
    hours = grace.total_seconds() / 3600
    within = f"{hours:g} hours" if hours != 1 else "an hour"
    return f"the columns were not chosen within {within}; upload the file again"


async def sweep_import_files(runtime: Runtime, *, now: datetime | None = None) -> ImportSweep:
    """One housekeeping pass over the imports' files; ``now`` is for tests."""
    grace = timedelta(hours=runtime.settings.file_grace_hours)
    cutoff = (now or utc_now()) - grace
    storage = ImportStorage(runtime.settings.data_dir)

    expired = 0
    async with transaction(runtime.sessionmaker) as session:
        unmapped = await ImportRepository(session).unmapped(created_before=cutoff)
    for import_id, storage_key in unmapped:
        async with transaction(runtime.sessionmaker) as session:
            if not await ImportRepository(session).expire(import_id, error=unmapped_error(grace)):
                continue
        expired += 1
        await anyio.to_thread.run_sync(storage.remove_import, storage_key)

    def old_directories() -> list[tuple[str, list[str]]]:
        found = []
        for directory in storage.directories():
            modified = last_modified(directory)
            if modified is not None and modified <= cutoff.timestamp():
                found.append((directory.name, storage.source_keys(directory)))
        return found

    candidates = await anyio.to_thread.run_sync(old_directories)
    async with transaction(runtime.sessionmaker) as session:
        statuses = await ImportRepository(session).statuses(
            [key for _, keys in candidates for key in keys]
        )
    sources, orphans = 0, 0
    for name, keys in candidates:
        owned = [(key, statuses[key]) for key in keys if key in statuses]
        if not owned:
            await anyio.to_thread.run_sync(remove_directory, storage.root / name)
            orphans += 1
        elif owned[0][1] is ImportStatus.FAILED:
            source = storage.path(owned[0][0])
            if await anyio.to_thread.run_sync(source.exists):
                await storage.remove_source(owned[0][0])
                sources += 1
    sweep = ImportSweep(expired=expired, sources_removed=sources, orphans_removed=orphans)
    if expired or sources or orphans:
        logger.info(
            "import_files_swept", expired=expired, sources_removed=sources, orphans_removed=orphans
        )
    return sweep
