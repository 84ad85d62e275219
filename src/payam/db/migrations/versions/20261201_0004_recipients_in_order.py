"""Recipients of a campaign in the order they were added, for reports read a page at a time.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 04:40:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_recipients_campaign_id_id", "recipients", ["campaign_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_recipients_campaign_id_id", table_name="recipients")
