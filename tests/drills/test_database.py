"""The database fails under running workers: it refuses connections for a few seconds (a switch
in front of it, never the machine's server itself), or PostgreSQL runs out of connections for
the workers' role. Every promise must hold and no worker may die of it."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from payam.runtime import Runtime
from tests.drills.sizes import drill_size
from tests.drills.support import (
    NUMBERS,
    WORKERS,
    assert_promises_kept,
    drill_environment,
    paced_campaign,
    run_to_the_end,
    switched,
)
from tests.support import accepted_count, spawn_worker, stop_processes, wait_for

pytestmark = pytest.mark.drill


async def test_the_database_refusing_connections_for_seconds_breaks_no_promise(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    url = make_url(runtime.settings.database_url)
    if url.get_backend_name() == "sqlite":
        pytest.skip("SQLite is a file, not a server that can refuse connections")
    recipients = drill_size(short=60, full=300)
    size = {"recipients": recipients, "numbers": NUMBERS}
    outages = drill_size(short=1, full=3)
    campaign = await paced_campaign(client, runtime, user, recipients=recipients)
    default_port = 5432 if url.get_backend_name() == "postgresql" else 3306
    async with switched((url.host or "127.0.0.1", url.port or default_port)) as switch:
        through_switch = url.set(host="127.0.0.1", port=switch.port)
        environment = drill_environment(
            runtime, tmp_path, through_switch.render_as_string(hide_password=False)
        )
        workers = [spawn_worker(environment, tmp_path / f"worker-{i}.log") for i in range(WORKERS)]
        try:
            for outage in range(outages):
                sent = await accepted_count(runtime)
                await wait_for(
                    lambda: _more_sent_than(runtime, sent + 5),  # noqa: B023 - awaited here
                    within_seconds=120,
                    workers=tuple(workers),
                )
                await switch.off()
                await asyncio.sleep(3 + outage)
                await switch.on()
            await run_to_the_end(client, runtime, user, campaign["id"], workers, **size)
        finally:
            await stop_processes(workers)
    await assert_promises_kept(client, runtime, user, campaign["id"], recipients=recipients)


async def _more_sent_than(runtime: Runtime, count: int) -> bool:
    return await accepted_count(runtime) > count


@contextlib.asynccontextmanager
async def limited_role(runtime: Runtime, *, connections: int) -> AsyncIterator[str]:
    """A PostgreSQL role of the drill's own for the workers, allowed ``connections`` at once
    (a superuser, as the tests connect, is never limited); yields its URL."""
    url = make_url(runtime.settings.database_url)
    role = f"{url.database}_limited"
    async with runtime.engine.connect() as connection:
        autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
        exists = await autocommit.scalar(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        )
        if not exists:
            await autocommit.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        await autocommit.execute(text(f'ALTER ROLE "{role}" CONNECTION LIMIT {connections}'))
        for grant in (
            f'GRANT ALL ON ALL TABLES IN SCHEMA public TO "{role}"',
            f'GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO "{role}"',
        ):
            await autocommit.execute(text(grant))
    try:
        yield url.set(username=role, password=None).render_as_string(hide_password=False)
    finally:
        async with runtime.engine.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = :r"),
                {"r": role},
            )
            await autocommit.execute(text(f'DROP OWNED BY "{role}"'))
            await autocommit.execute(text(f'DROP ROLE "{role}"'))


async def test_postgresql_out_of_connections_breaks_no_promise(
    client: httpx.AsyncClient, runtime: Runtime, user: dict[str, str], tmp_path: Path
) -> None:
    if make_url(runtime.settings.database_url).get_backend_name() != "postgresql":
        pytest.skip("a PostgreSQL drill")
    recipients = drill_size(short=60, full=300)
    size = {"recipients": recipients, "numbers": NUMBERS}
    campaign = await paced_campaign(client, runtime, user, recipients=recipients)
    # Two workers, each wanting a pool of 10 (and 20 more at busy moments), share 4.
    async with limited_role(runtime, connections=4) as url:
        environment = drill_environment(runtime, tmp_path, url)
        workers = [spawn_worker(environment, tmp_path / f"worker-{i}.log") for i in range(WORKERS)]
        await run_to_the_end(client, runtime, user, campaign["id"], workers, **size)
    await assert_promises_kept(client, runtime, user, campaign["id"], recipients=recipients)
    refused = "".join(
        (tmp_path / f"worker-{i}.log").read_text(errors="replace") for i in range(WORKERS)
    )
    # The drill drilled: the workers were refused connections on the way.
    assert "too many connections" in refused
