"""A worker's numbers due now, and its next one, found by index: every tick asks both, and
without it each reads every number (issue 13, thousands of numbers a worker).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 22:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_senders_lease_owner_next_send_at", ["lease_owner", "next_send_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.drop_index("ix_senders_lease_owner_next_send_at")
