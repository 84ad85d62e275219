"""Webhook endpoints' signing secrets sealed at rest, like Cloud API credentials; room for the
secret a rotation replaced, which signs beside the new one for a day.

The rows already there are sealed here, with the keys of the settings the migration runs with
(``PAYAM_CREDENTIAL_KEYS``, or the key derived from the secret key): run it with the settings the
application uses. The downgrade opens them again.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 14:30:00.000000
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import context, op

from payam.config import Settings, get_settings
from payam.db.base import UTCDateTime
from payam.kit.credentials import CredentialBox

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BATCH = 1_000


def _box() -> CredentialBox:
    settings: Settings | None = context.config.attributes.get("settings")
    return CredentialBox(settings or get_settings())


def _copy(source: str, target: str, change: Callable[[str], str]) -> None:
    """``target`` = ``change(source)`` on every endpoint, a batch at a time."""
    endpoints = sa.table("webhook_endpoints", sa.column("id"), sa.column(source), sa.column(target))
    connection = op.get_bind()
    after = 0
    while True:
        rows = connection.execute(
            sa.select(endpoints.c.id, endpoints.c[source])
            .where(endpoints.c.id > after)
            .order_by(endpoints.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            return
        for endpoint_id, value in rows:
            connection.execute(
                endpoints.update()
                .where(endpoints.c.id == endpoint_id)
                .values({target: change(value)})
            )
        after = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed_secret", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("previous_sealed_secret", sa.String(length=255), nullable=True)
        )
        batch_op.add_column(
            sa.Column("previous_secret_until", UTCDateTime(timezone=True), nullable=True)
        )
    _copy("secret", "sealed_secret", _box().seal)
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.alter_column("sealed_secret", existing_type=sa.String(length=255), nullable=False)
        batch_op.drop_column("secret")


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("secret", sa.String(length=128), nullable=True))
    _copy("sealed_secret", "secret", _box().open)
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.alter_column("secret", existing_type=sa.String(length=128), nullable=False)
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_sealed_secret")
        batch_op.drop_column("sealed_secret")
