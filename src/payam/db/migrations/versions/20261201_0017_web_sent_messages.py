"""WhatsApp Web: which of our messages each WhatsApp message id is (receipts name theirs).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 14:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from payam.db.base import UTCDateTime

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "web_sent_messages",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("sender_id", _ID, nullable=False),
        sa.Column("wa_message_id", sa.String(length=128), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("sent_at", UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["senders.id"],
            name=op.f("fk_web_sent_messages_sender_id_senders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_sent_messages")),
    )
    with op.batch_alter_table("web_sent_messages", schema=None) as batch_op:
        batch_op.create_index(
            "ix_web_sent_messages_sender_id_wa_message_id",
            ["sender_id", "wa_message_id"],
            unique=True,
        )
        batch_op.create_index("ix_web_sent_messages_sent_at", ["sent_at"], unique=False)


def downgrade() -> None:
    op.drop_table("web_sent_messages")
