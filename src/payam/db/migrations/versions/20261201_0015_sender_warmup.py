"""A number warms up: when it was first connected, and over how many days its cap grows.

Numbers linked before this revision have warmed up already (``warmup_days`` 0).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from payam.db.base import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("connected_at", UTCDateTime(), nullable=True))
        batch_op.add_column(
            sa.Column("warmup_days", sa.Integer(), server_default=sa.text("0"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.drop_column("warmup_days")
        batch_op.drop_column("connected_at")
