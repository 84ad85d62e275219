"""Importing recipients on SQLite: the real upload and import job beside a bare parse-and-insert.

Run: ``.venv/bin/python bench/import_bench.py [--rows 1000000]`` (up to 10 million rows).
Everything happens in a temporary directory: a CSV of ``--rows`` rows (phones typed every way
people type them, Persian digits included, a name, a city; about 2 % repeated numbers and 1 %
bad ones), and a SQLite database migrated to head. Then, in one run, on the same file and the
same database:

- **upload**: ``ImportService.upload`` as the endpoint calls it (the file streamed to storage,
  then read once in full to check encoding, line lengths and the row limit, and previewed);
- **job**: ``run_import``, the import job (normalize to E.164, dedupe within each batch and, by
  the unique index, against the campaign and earlier batches; insert in batches of 5,000, each
  with its counters in one transaction; write rejected.csv);
- **bare**: ``csv.reader`` and ``sqlite3.executemany`` of the raw rows into the same recipients
  table of another campaign (INSERT OR IGNORE, batches of 5,000, a commit each), nothing checked.

The target (DESIGN.md §7) is 1,000,000 rows in under 10 s. Peak RSS is the process's high-water
mark after each step: the file is never held in memory, so it should barely move.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import resource
import sqlite3
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

from sqlalchemy import func, select

from payam.config import Settings
from payam.db.migrate import upgrade_to_head
from payam.db.session import transaction
from payam.imports.importer import run_import
from payam.imports.schemas import ColumnMapping
from payam.imports.service import ImportService
from payam.jobs import configure_jobs
from payam.models import Campaign, ContactImport, Recipient, User
from payam.runtime import Runtime

BATCH = 5_000  # as the job
PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
CITIES = ["تهران", "اصفهان", "شیراز", "تبریز", "مشهد", "Karaj"]
PREFIXES = ["912", "935", "901", "919", "990"]
BAD = ["12345", "0912ABC4567", "", "+1", "۰۹۱۲"]


def typed(national: str, rng: random.Random) -> str:
    """One Iranian mobile number, written one of the ways lists write them."""
    shape = rng.randrange(8)
    if shape == 0:
        return "0" + national
    if shape == 1:
        return national
    if shape == 2:
        return f"+98 {national[:3]} {national[3:6]} {national[6:]}"
    if shape == 3:
        return "0098" + national
    if shape == 4:
        return "98" + national
    if shape == 5:
        return ("0" + national).translate(PERSIAN)
    if shape == 6:
        return f"0{national[:3]}-{national[3:6]}-{national[6:]}"
    return "+98" + national


def write_csv(path: Path, rows: int) -> tuple[int, int]:
    """The sample file; returns (distinct good numbers, bad rows) to check the import by."""
    rng = random.Random(98)
    # One byte per number rather than a set of strings, so as not to inflate the peak RSS.
    seen = bytearray(rows)
    bad = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["phone", "name", "city"])
        for index in range(rows):
            roll = rng.random()
            if roll < 0.01:
                phone = rng.choice(BAD)
                bad += 1
            else:
                number = index if roll > 0.03 else rng.randrange(max(index, 1))
                national = PREFIXES[number % len(PREFIXES)] + f"{number:07d}"
                phone = typed(national, rng)
                seen[number] = 1
            writer.writerow([phone, f"Customer {index}", CITIES[index % len(CITIES)]])
    return sum(seen), bad


def database_bytes(database: Path) -> int:
    """The SQLite database's size on disk, its write-ahead log included."""
    return sum(
        path.stat().st_size
        for path in (database, database.with_name(database.name + "-wal"))
        if path.exists()
    )


def disk_report(workdir: Path, source: Path, database_growth: int, *, imported: int) -> str:
    """The space an operator plans for (docs/operations.md, "Space")."""
    rejected = sum(path.stat().st_size for path in workdir.rglob("rejected.csv"))
    per_million = database_growth / max(imported, 1) * 1_000_000
    return (
        f"disk: upload {source.stat().st_size / 1e6:.1f} MB, rejected.csv {rejected / 1e6:.1f} MB, "
        f"database growth {database_growth / 1e6:.0f} MB ({per_million / 1e6:.0f} MB per million "
        "recipients)"
    )


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(64 * 1024):
            yield chunk


class FileSource:
    """What the upload endpoint hands the service, read from a local file."""

    field = "file"
    pasted = False

    def __init__(self, path: Path, *, max_bytes: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.filename = path.name

    def chunks(self) -> AsyncIterator[bytes]:
        return file_chunks(self.path)


def bare_baseline(database: Path, source: Path, campaign_id: int) -> int:
    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=NORMAL")
    statement = (
        "INSERT OR IGNORE INTO recipients (campaign_id, phone, name, variables, status, attempt)"
        " VALUES (?, ?, ?, '{}', 'PENDING', 0)"
    )
    inserted = 0
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        batch: list[tuple[int, str, str]] = []
        for row in reader:
            batch.append((campaign_id, row[0], row[1]))
            if len(batch) >= BATCH:
                inserted += connection.executemany(statement, batch).rowcount
                connection.commit()
                batch.clear()
        if batch:
            inserted += connection.executemany(statement, batch).rowcount
            connection.commit()
    connection.close()
    return inserted


async def bench(rows: int, workdir: Path) -> None:
    source = workdir / "recipients.csv"
    database = workdir / "payam.db"
    started = time.perf_counter()
    distinct, bad = write_csv(source, rows)
    print(
        f"sample: {rows:,} rows, {source.stat().st_size / 2**20:.1f} MiB, made in "
        f"{time.perf_counter() - started:.1f} s ({bad:,} bad rows)"
    )

    settings = Settings(
        _env_file=None,
        environment="test",
        data_dir=workdir / "data",
        database_url=f"sqlite+aiosqlite:///{database}",
        secret_key="bench-secret-key-that-is-long-enough-to-sign",
        import_max_bytes=1024 * 2**20,
        import_max_rows=max(rows, 1),
    )
    # Alembic runs its own event loop: off this one.
    await asyncio.to_thread(upgrade_to_head, settings)
    configure_jobs(settings)  # the mapping queues a job; nothing consumes it, we run it here
    runtime = Runtime.create(settings)
    try:
        async with transaction(runtime.sessionmaker) as session:
            user = User(
                name="Bench",
                username="bench",
                email="bench@example.com",
                phone="+989000000001",
                password_hash="-",
            )
            session.add(user)
            await session.flush()
            campaigns = [Campaign(user_id=user.id, title=t, message="Hi") for t in ("job", "bare")]
            session.add_all(campaigns)
            await session.flush()
            job_campaign, bare_campaign = (campaign.id for campaign in campaigns)

        rss_before = peak_rss_mib()
        database_before = database_bytes(database)
        started = time.perf_counter()
        async with transaction(runtime.sessionmaker) as session:
            user = await session.get_one(User, user.id)
            service = ImportService(session, settings=settings)
            preview = await service.upload(
                user=user,
                campaign_id=job_campaign,
                source=FileSource(source, max_bytes=settings.import_max_bytes),
            )
        upload_seconds = time.perf_counter() - started
        assert preview.mapping is not None
        async with transaction(runtime.sessionmaker) as session:
            user = await session.get_one(User, user.id)
            await ImportService(session, settings=settings).set_mapping(
                user=user,
                import_id=preview.id,
                mapping=ColumnMapping(**preview.mapping.model_dump()),
            )
        rss_upload = peak_rss_mib()

        started = time.perf_counter()
        await run_import(runtime, preview.id)
        job_seconds = time.perf_counter() - started
        rss_job = peak_rss_mib()
        database_growth = database_bytes(database) - database_before

        async with transaction(runtime.sessionmaker) as session:
            done = await session.get_one(ContactImport, preview.id)
            total = await session.scalar(
                select(Campaign.total_recipients).where(Campaign.id == job_campaign)
            )
            stored = await session.scalar(
                select(func.count())
                .select_from(Recipient)
                .where(Recipient.campaign_id == job_campaign)
            )
    finally:
        await runtime.close()

    started = time.perf_counter()
    bare_rows = bare_baseline(database, source, bare_campaign)
    bare_seconds = time.perf_counter() - started

    assert done.status.value == "COMPLETED", done.error
    assert total == stored == done.imported, (total, stored, done.imported)
    assert done.imported == distinct, (done.imported, distinct)
    end_to_end = upload_seconds + job_seconds
    print(
        f"import: {done.imported:,} imported, {done.duplicates:,} duplicates, "
        f"{done.rejected:,} rejected; total_recipients = recipient rows = {stored:,}"
    )
    print(
        f"{'upload (stream to disk, full check, preview)':<46} {upload_seconds:7.2f} s "
        f"{rows / upload_seconds:>12,.0f} rows/s"
    )
    print(
        f"{'job (normalize, dedupe, insert, counters)':<46} {job_seconds:7.2f} s "
        f"{rows / job_seconds:>12,.0f} rows/s"
    )
    print(
        f"{'end to end (upload + job)':<46} {end_to_end:7.2f} s {rows / end_to_end:>12,.0f} rows/s"
    )
    print(
        f"{'bare csv.reader + sqlite3 executemany':<46} {bare_seconds:7.2f} s "
        f"{rows / bare_seconds:>12,.0f} rows/s  ({bare_rows:,} rows kept)"
    )
    print(
        f"ratio job / bare: {bare_seconds / job_seconds:.2f}; "
        f"end to end / bare: {bare_seconds / end_to_end:.2f} (1.00 = as fast as bare)"
    )
    print(
        f"peak RSS: {rss_before:.0f} MiB before the upload, {rss_upload:.0f} MiB after it, "
        f"{rss_job:.0f} MiB after the job, {peak_rss_mib():.0f} MiB after the bare loop"
    )
    print(disk_report(workdir, source, database_growth, imported=done.imported))
    per_million = end_to_end * 1_000_000 / rows
    verdict = "met" if per_million < 10 else "NOT met"
    print(
        f"target (DESIGN.md §7): 1,000,000 rows in under 10 s: {verdict} "
        f"({per_million:.1f} s per million rows end to end)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="payam-import-bench-") as workdir:
        asyncio.run(bench(arguments.rows, Path(workdir)))


if __name__ == "__main__":
    main()
