"""The ids of form submissions already summed into crossing counts (reference R10).

Revision ID: 0004_ingested_submissions
Revises: 0003_retention
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_ingested_submissions"
down_revision: str | Sequence[str] | None = "0003_retention"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ingested_submissions",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Uuid(), nullable=False),
        sa.Column("ingested_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_ingested_submissions_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint(
            "operation_id", "submission_id", name=op.f("pk_ingested_submissions")
        ),
    )


def downgrade() -> None:
    op.drop_table("ingested_submissions")
