"""When a table was last purged up to (reference R7), so that the public export leaves out the
windows a purge has cut into instead of publishing them again with fewer people.

Revision ID: 0005_purged_before
Revises: 0004_ingested_submissions
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_purged_before"
down_revision: str | Sequence[str] | None = "0004_ingested_submissions"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("retention_policies") as batch:
        batch.add_column(sa.Column("purged_before", sa.DateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("retention_policies") as batch:
        batch.drop_column("purged_before")
