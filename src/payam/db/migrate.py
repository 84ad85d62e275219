"""Alembic, driven from code: ``payam migrate`` and the tests use these, not alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Connection

from payam.config import Settings

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(settings: Settings, *, connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser treats % as interpolation; database passwords may contain it.
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    # A migration that seals or opens secrets uses these settings' keys.
    config.attributes["settings"] = settings
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def upgrade_to_head(settings: Settings, *, connection: Connection | None = None) -> None:
    command.upgrade(alembic_config(settings, connection=connection), "head")


def downgrade_to_base(settings: Settings, *, connection: Connection | None = None) -> None:
    command.downgrade(alembic_config(settings, connection=connection), "base")
