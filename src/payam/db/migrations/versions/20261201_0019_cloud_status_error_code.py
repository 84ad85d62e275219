"""The Cloud API inbox keeps a failed status's error code: 131026 skips the recipient.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 14:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cloud_webhook_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("error_code", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("cloud_webhook_events", schema=None) as batch_op:
        batch_op.drop_column("error_code")
