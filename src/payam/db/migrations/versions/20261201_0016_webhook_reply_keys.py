"""Webhook events may carry a key, written once per endpoint: a reply handed out twice is told once.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dedup_key", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_webhook_events_endpoint_id_dedup_key", ["endpoint_id", "dedup_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_events", schema=None) as batch_op:
        batch_op.drop_index("ix_webhook_events_endpoint_id_dedup_key")
        batch_op.drop_column("dedup_key")
