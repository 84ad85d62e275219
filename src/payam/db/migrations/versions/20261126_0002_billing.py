"""Billing: subscriptions, quota reservations, payments with their history, invoices.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 04:34:07.457934
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import payam.db.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sandbox_charges",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("authority", sa.String(length=64), nullable=False),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("description", sa.String(length=255), nullable=False),
        sa.Column("callback_url", sa.String(length=1000), nullable=False),
        sa.Column("approved_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("cancelled_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ref_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sandbox_charges")),
        sa.UniqueConstraint("authority", name=op.f("uq_sandbox_charges_authority")),
    )
    op.create_table(
        "payments",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "package_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING", "PAID", "FAILED", name="paymentstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("authority", sa.String(length=128), nullable=True),
        sa.Column("ref_id", sa.String(length=128), nullable=True),
        sa.Column("card_pan", sa.String(length=32), nullable=True),
        sa.Column("result_code", sa.Integer(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("paid_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_payments_package_id_packages")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_payments_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
        sa.UniqueConstraint("gateway", "authority", name="uq_payments_gateway_authority"),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_payments_status_created_at", ["status", "created_at"], unique=False
        )
        batch_op.create_index(
            "ix_payments_user_id_created_at", ["user_id", "created_at"], unique=False
        )

    op.create_table(
        "subscriptions",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "package_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("started_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("messages_granted", sa.Integer(), nullable=False),
        sa.Column("messages_used", sa.Integer(), nullable=False),
        sa.Column("messages_reserved", sa.Integer(), nullable=False),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["package_id"],
            ["packages.id"],
            name=op.f("fk_subscriptions_package_id_packages"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_subscriptions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscriptions")),
        sa.UniqueConstraint("user_id", name=op.f("uq_subscriptions_user_id")),
    )
    op.create_table(
        "invoices",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column(
            "payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("billed_name", sa.String(length=255), nullable=False),
        sa.Column("billed_email", sa.String(length=255), nullable=False),
        sa.Column("package_title", sa.String(length=255), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("amount", sa.Numeric(precision=18, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gateway", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.String(length=128), nullable=True),
        sa.Column("issued_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_invoices_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_invoices_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_invoices_payment_id")),
    )
    op.create_table(
        "payment_events",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING", "PAID", "FAILED", name="paymentstatus", native_enum=False, length=32
            ),
            nullable=False,
        ),
        sa.Column("note", sa.String(length=255), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_payment_events_payment_id_payments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_events")),
    )
    with op.batch_alter_table("payment_events", schema=None) as batch_op:
        batch_op.create_index("ix_payment_events_payment_id", ["payment_id"], unique=False)

    op.create_table(
        "quota_reservations",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "subscription_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("amount", sa.Integer(), nullable=False),
        sa.Column("used", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum("HELD", "SETTLED", name="reservationstatus", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("reference", sa.String(length=128), nullable=True),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("settled_at", payam.db.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["subscription_id"],
            ["subscriptions.id"],
            name=op.f("fk_quota_reservations_subscription_id_subscriptions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_quota_reservations_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quota_reservations")),
    )
    with op.batch_alter_table("quota_reservations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quota_reservations_user_id_status", ["user_id", "status"], unique=False
        )

    op.create_table(
        "subscription_grants",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "package_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "source",
            sa.Enum("PAYMENT", "ADMIN", name="grantsource", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column(
            "payment_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "granted_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("messages", sa.Integer(), nullable=False),
        sa.Column("period_ends_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_at", payam.db.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["granted_by_id"],
            ["users.id"],
            name=op.f("fk_subscription_grants_granted_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["package_id"], ["packages.id"], name=op.f("fk_subscription_grants_package_id_packages")
        ),
        sa.ForeignKeyConstraint(
            ["payment_id"],
            ["payments.id"],
            name=op.f("fk_subscription_grants_payment_id_payments"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_subscription_grants_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_subscription_grants")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_subscription_grants_payment_id")),
    )
    with op.batch_alter_table("subscription_grants", schema=None) as batch_op:
        batch_op.create_index("ix_subscription_grants_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("subscription_grants")
    op.drop_table("quota_reservations")
    op.drop_table("payment_events")
    op.drop_table("invoices")
    op.drop_table("subscriptions")
    op.drop_table("payments")
    op.drop_table("sandbox_charges")
