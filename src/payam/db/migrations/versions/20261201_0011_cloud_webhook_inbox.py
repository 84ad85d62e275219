"""The Cloud API's webhook inbox: statuses and replies waiting for the worker holding the number.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 11:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from payam.db.base import UTCDateTime

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "cloud_webhook_events",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sender_id", _ID, nullable=False),
        sa.Column("dedup_key", sa.String(length=191), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=True),
        sa.Column("message_id", sa.String(length=128), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("reason", sa.String(length=1000), nullable=True),
        sa.Column("occurred_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("received_at", UTCDateTime(timezone=True), nullable=False),
        sa.Column("taken_at", UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["senders.id"],
            name=op.f("fk_cloud_webhook_events_sender_id_senders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cloud_webhook_events")),
    )
    with op.batch_alter_table("cloud_webhook_events", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cloud_webhook_events_sender_id_dedup_key", ["sender_id", "dedup_key"], unique=True
        )
        batch_op.create_index(
            "ix_cloud_webhook_events_sender_id_taken_at", ["sender_id", "taken_at"], unique=False
        )


def downgrade() -> None:
    # The indexes go with the table (MariaDB refuses to drop one its foreign key relies on).
    op.drop_table("cloud_webhook_events")
