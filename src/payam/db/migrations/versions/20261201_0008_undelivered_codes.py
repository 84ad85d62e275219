"""A one-time code that could not be sent is marked, so checking it can say so.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 06:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from payam.db.base import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("undelivered_at", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("one_time_codes", schema=None) as batch_op:
        batch_op.drop_column("undelivered_at")
