"""The admin console: daily message roll-ups, numbers suspended by the platform, audit search.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 11:15:00.000000"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from payam.db.base import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "message_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("user_id", _ID, autoincrement=False, nullable=False),
        sa.Column("sender_id", _ID, autoincrement=False, nullable=False),
        sa.Column("sent", sa.Integer(), nullable=False),
        sa.Column("delivered", sa.Integer(), nullable=False),
        sa.Column("read", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_id", "sender_id", name=op.f("pk_message_days")),
    )
    op.create_index("ix_message_days_user_id_day", "message_days", ["user_id", "day"])
    op.create_index("ix_message_days_sender_id_day", "message_days", ["sender_id", "day"])
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("suspended_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("suspended_reason", sa.String(length=255), nullable=True))
    op.create_index("ix_audit_log_actor_id", "audit_log", ["actor_id"])
    op.create_index("ix_audit_log_created_at", "audit_log", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_created_at", table_name="audit_log")
    if op.get_bind().dialect.name in {"mysql", "mariadb"}:
        # MariaDB let the new index stand for the foreign key's own and will not drop the only
        # index a foreign key has: the key goes while it does, and comes back with its own.
        op.drop_constraint("fk_audit_log_actor_id_users", "audit_log", type_="foreignkey")
        op.drop_index("ix_audit_log_actor_id", table_name="audit_log")
        op.create_foreign_key(
            "fk_audit_log_actor_id_users",
            "audit_log",
            "users",
            ["actor_id"],
            ["id"],
            ondelete="SET NULL",
        )
    else:
        op.drop_index("ix_audit_log_actor_id", table_name="audit_log")
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.drop_column("suspended_reason")
        batch_op.drop_column("suspended_at")
    op.drop_index("ix_message_days_sender_id_day", table_name="message_days")
    op.drop_index("ix_message_days_user_id_day", table_name="message_days")
    op.drop_table("message_days")
