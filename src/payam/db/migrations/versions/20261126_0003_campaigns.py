"""Senders, suppressions, media, imports, the dispatch columns of campaigns and recipients.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 04:46:26.027214
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import payam.db.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_messages",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("sender_phone", sa.String(length=32), nullable=False),
        sa.Column("recipient_phone", sa.String(length=32), nullable=False),
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("media_sha256", sa.String(length=64), nullable=True),
        sa.Column("accepted_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("read_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_messages")),
    )
    with op.batch_alter_table("sandbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_sandbox_messages_message_id", ["message_id"], unique=False)
        batch_op.create_index(
            "ix_sandbox_messages_recipient_phone", ["recipient_phone"], unique=False
        )
        batch_op.create_index(
            "ix_sandbox_messages_sender_phone_delivered_at",
            ["sender_phone", "delivered_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_sandbox_messages_sender_phone_read_at", ["sender_phone", "read_at"], unique=False
        )

    op.create_table(
        "media_files",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "IMAGE",
                "DOCUMENT",
                "VIDEO",
                "AUDIO",
                name="mediakind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("mime_type", sa.String(length=127), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_media_files_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_files")),
    )
    op.create_table(
        "senders",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "provider",
            sa.Enum("sandbox", "web", "cloud", name="providername", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("display_name", sa.String(length=255), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "LINKING",
                "CONNECTED",
                "DISCONNECTED",
                "LOGGED_OUT",
                "BANNED",
                name="senderstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("status_reason", sa.String(length=255), nullable=True),
        sa.Column("provider_config", sa.JSON(), nullable=False),
        sa.Column("daily_cap", sa.Integer(), nullable=False),
        sa.Column("quiet_start_minute", sa.Integer(), nullable=True),
        sa.Column("quiet_end_minute", sa.Integer(), nullable=True),
        sa.Column("pause_every", sa.Integer(), nullable=True),
        sa.Column("pause_seconds", sa.Integer(), nullable=False),
        sa.Column("next_send_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_sent_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("sent_on_day", sa.Date(), nullable=True),
        sa.Column("sent_today", sa.Integer(), nullable=False),
        sa.Column("sent_since_pause", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(length=64), nullable=True),
        sa.Column("lease_expires_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_senders_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_senders")),
    )
    with op.batch_alter_table("senders", schema=None) as batch_op:
        batch_op.create_index("ix_senders_lease_expires_at", ["lease_expires_at"], unique=False)
        batch_op.create_index("ix_senders_user_id", ["user_id"], unique=False)

    op.create_table(
        "suppressions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.String(length=255), nullable=False),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_suppressions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suppressions")),
    )
    with op.batch_alter_table("suppressions", schema=None) as batch_op:
        batch_op.create_index("ix_suppressions_user_id_phone", ["user_id", "phone"], unique=True)

    op.create_table(
        "campaign_senders",
        sa.Column(
            "campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "sender_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("last_used_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_senders_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sender_id"],
            ["senders.id"],
            name=op.f("fk_campaign_senders_sender_id_senders"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("campaign_id", "sender_id", name=op.f("pk_campaign_senders")),
    )
    with op.batch_alter_table("campaign_senders", schema=None) as batch_op:
        batch_op.create_index("ix_campaign_senders_sender_id", ["sender_id"], unique=False)

    op.create_table(
        "contact_imports",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "campaign_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "UPLOADED",
                "QUEUED",
                "RUNNING",
                "COMPLETED",
                "FAILED",
                name="importstatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("file_format", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("storage_key", sa.String(length=255), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("layout", sa.JSON(), nullable=False),
        sa.Column("mapping", sa.JSON(), nullable=False),
        sa.Column("rows_read", sa.Integer(), nullable=False),
        sa.Column("imported", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("finished_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_contact_imports_campaign_id_campaigns"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_contact_imports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_imports")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "media_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("status_reason", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("scheduled_at", payam.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "source_campaign_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column("sending_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(
            sa.Column("read_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(
            sa.Column("skipped_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.add_column(
            sa.Column("unknown_count", sa.Integer(), nullable=False, server_default=sa.text("0"))
        )
        batch_op.create_index(
            "ix_campaigns_status_scheduled_at", ["status", "scheduled_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_media_id_media_files"),
            "media_files",
            ["media_id"],
            ["id"],
            ondelete="SET NULL",
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_campaigns_source_campaign_id_campaigns"),
            "campaigns",
            ["source_campaign_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempt_id", sa.String(length=36), nullable=True))
        batch_op.add_column(
            sa.Column(
                "sender_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("lease_expires_at", payam.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column(
                "quota_reservation_id",
                sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("message_id", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column("claimed_at", payam.db.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.create_index(
            "ix_recipients_campaign_id_status_id", ["campaign_id", "status", "id"], unique=False
        )
        batch_op.create_index("ix_recipients_message_id", ["message_id"], unique=False)
        batch_op.create_index(
            "ix_recipients_status_lease_expires_at", ["status", "lease_expires_at"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_recipients_sender_id_senders"),
            "senders",
            ["sender_id"],
            ["id"],
            ondelete="SET NULL",
        )
        # Dropped after its replacement exists: MariaDB keeps an index under every foreign key.
        batch_op.drop_index(batch_op.f("ix_recipients_campaign_id_status"))


def downgrade() -> None:
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_recipients_sender_id_senders"), type_="foreignkey")
        batch_op.create_index(
            batch_op.f("ix_recipients_campaign_id_status"), ["campaign_id", "status"], unique=False
        )
        batch_op.drop_index("ix_recipients_status_lease_expires_at")
        batch_op.drop_index("ix_recipients_message_id")
        batch_op.drop_index("ix_recipients_campaign_id_status_id")
        batch_op.drop_column("claimed_at")
        batch_op.drop_column("message_id")
        batch_op.drop_column("quota_reservation_id")
        batch_op.drop_column("lease_expires_at")
        batch_op.drop_column("sender_id")
        batch_op.drop_column("attempt_id")

    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_source_campaign_id_campaigns"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_campaigns_media_id_media_files"), type_="foreignkey"
        )
        batch_op.drop_index("ix_campaigns_status_scheduled_at")
        batch_op.drop_column("unknown_count")
        batch_op.drop_column("skipped_count")
        batch_op.drop_column("read_count")
        batch_op.drop_column("sending_count")
        batch_op.drop_column("source_campaign_id")
        batch_op.drop_column("scheduled_at")
        batch_op.drop_column("status_reason")
        batch_op.drop_column("media_id")

    op.drop_table("contact_imports")
    op.drop_table("campaign_senders")
    op.drop_table("suppressions")
    op.drop_table("senders")
    op.drop_table("media_files")
    op.drop_table("sandbox_messages")
