"""Whether each of a user's recipients is on WhatsApp, as last checked, and when.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 17:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from payam.db.base import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "whatsapp_presence",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("on_whatsapp", sa.Boolean(), nullable=False),
        sa.Column("checked_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_whatsapp_presence_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_whatsapp_presence")),
    )
    with op.batch_alter_table("whatsapp_presence", schema=None) as batch_op:
        batch_op.create_index(
            "ix_whatsapp_presence_user_id_phone", ["user_id", "phone"], unique=True
        )


def downgrade() -> None:
    op.drop_table("whatsapp_presence")
