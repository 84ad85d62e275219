"""Webhook events found by their delivery alone (the retention sweep deletes a delivery's events,
and PostgreSQL does not index a foreign key by itself).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 15:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.create_index("ix_webhook_events_delivery_id", ["delivery_id"], unique=False)


def downgrade() -> None:
    # MariaDB keeps an index for the foreign key: it dropped its own for this one, and refuses
    # to drop this one while the key needs it.
    if op.get_bind().dialect.name in {"mysql", "mariadb"}:
        return
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_delivery_id")
