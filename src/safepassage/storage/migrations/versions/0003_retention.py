"""Retention periods per operation and table (reference R7).

Revision ID: 0003_retention
Revises: 0002_plan_bundles
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_retention"
down_revision: str | Sequence[str] | None = "0002_plan_bundles"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "retention_policies",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.CheckConstraint("days > 0", name=op.f("ck_retention_policies_days_positive")),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_retention_policies_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("operation_id", "table_name", name=op.f("pk_retention_policies")),
    )


def downgrade() -> None:
    op.drop_table("retention_policies")
