"""Published plans: one JSON bundle per publication, the latest one current.

Revision ID: 0002_plan_bundles
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_plan_bundles"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "plan_bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("published_by", sa.Integer(), nullable=True),
        sa.Column("published_at", sa.DateTime(), nullable=False),
        sa.Column("bundle", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_plan_bundles_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["published_by"], ["users.id"], name=op.f("fk_plan_bundles_published_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plan_bundles")),
    )
    with op.batch_alter_table("plan_bundles", schema=None) as batch_op:
        batch_op.create_index("ix_plan_bundles_operation_id", ["operation_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("plan_bundles", schema=None) as batch_op:
        batch_op.drop_index("ix_plan_bundles_operation_id")
    op.drop_table("plan_bundles")
