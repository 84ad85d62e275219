"""Alembic environment: online migrations over the async engine, or a connection given by code."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import payam.models  # noqa: F401  (registers every table on the metadata)
from payam.config import get_settings
from payam.db.base import Base
from payam.db.engine import create_engine

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode copies the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_async() -> None:
    engine = create_engine(config.get_main_option("sqlalchemy.url") or get_settings().database_url)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


given_connection = config.attributes.get("connection")
if given_connection is not None:
    _run(given_connection)
else:
    asyncio.run(_run_async())
