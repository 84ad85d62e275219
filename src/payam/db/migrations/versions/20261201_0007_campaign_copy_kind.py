"""A copied campaign says whether it is a duplicate or a retry of its source.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 06:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_campaigns = sa.table(
    "campaigns",
    sa.column("source_campaign_id", sa.BigInteger()),
    sa.column("title", sa.String()),
    sa.column("copy_kind", sa.String()),
)


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("copy_kind", sa.String(length=32), nullable=True))
    # Copies made before this revision are told apart by the title they were given.
    copies = _campaigns.c.source_campaign_id.is_not(None)
    op.execute(
        _campaigns.update()
        .where(copies, _campaigns.c.title.like("% (retry)"))
        .values(copy_kind="RETRY")
    )
    op.execute(
        _campaigns.update()
        .where(copies, _campaigns.c.copy_kind.is_(None))
        .values(copy_kind="DUPLICATE")
    )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("copy_kind")
