"""An unverified e-mail or phone can pass to another account, leaving its old holder without one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_users = sa.table("users", sa.column("id", sa.Integer()), sa.column("email"), sa.column("phone"))


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("email", existing_type=sa.String(length=255), nullable=True)
        batch_op.alter_column("phone", existing_type=sa.String(length=32), nullable=True)


def downgrade() -> None:
    # The columns may not be empty again: released ones get a unique stand-in that reaches no one.
    user_id = sa.cast(_users.c.id, sa.String())
    op.execute(
        _users.update()
        .where(_users.c.email.is_(None))
        .values(email=sa.literal("released-") + user_id + sa.literal("@invalid"))
    )
    op.execute(
        _users.update()
        .where(_users.c.phone.is_(None))
        .values(phone=sa.literal("released-") + user_id)
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.alter_column("phone", existing_type=sa.String(length=32), nullable=False)
        batch_op.alter_column("email", existing_type=sa.String(length=255), nullable=False)
