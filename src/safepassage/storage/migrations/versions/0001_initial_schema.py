"""Initial schema: organisations, users, operations, corridors, field records, audit chain.

Revision ID: 0001
Revises:
Create Date: 2026-11-25

Timestamps are naive UTC (see ``storage.types.UTCDateTime``).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS_HASH = "0" * 64


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("organisation_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("record_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_log_record", ["table_name", "record_id"], unique=False)

    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisations")),
        sa.UniqueConstraint("code", name=op.f("uq_organisations_code")),
    )
    op.create_table(
        "operations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("lead_organisation_id", sa.Integer(), nullable=False),
        sa.Column("scenario_toml", sa.Text(), nullable=True),
        sa.Column("plan", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_organisation_id"],
            ["organisations.id"],
            name=op.f("fk_operations_lead_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operations")),
        sa.UniqueConstraint("code", name=op.f("uq_operations_code")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "viewer",
                "monitor",
                "logistics",
                "planner",
                "admin",
                name="role",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_users_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_users_token_hash")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "corridors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("planned_throughput_pph", sa.Float(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_corridors_operation_id_operations")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corridors")),
        sa.UniqueConstraint("operation_id", "code", name=op.f("uq_corridors_operation_id")),
    )
    op.create_table(
        "operation_members",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_operation_members_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_operation_members_organisation_id_organisations"),
        ),
        sa.PrimaryKeyConstraint(
            "operation_id", "organisation_id", name=op.f("pk_operation_members")
        ),
    )
    op.create_table(
        "operation_policies",
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=64), nullable=False),
        sa.Column(
            "classification",
            sa.Enum(
                "public",
                "restricted",
                "sensitive",
                name="classification",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_operation_policies_operation_id_operations"),
        ),
        sa.PrimaryKeyConstraint("operation_id", "table_name", name=op.f("pk_operation_policies")),
    )
    op.create_table(
        "stock_entries",
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "receipt",
                "distribution",
                "loss",
                "transfer",
                name="stockkind",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("warehouse", sa.String(length=64), nullable=False),
        sa.Column("to_warehouse", sa.String(length=64), nullable=True),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_stock_entries_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_stock_entries_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_stock_entries_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_stock_entries_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stock_entries")),
        sa.UniqueConstraint("client_id", name=op.f("uq_stock_entries_client_id")),
    )
    with op.batch_alter_table("stock_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_stock_entries_item", ["operation_id", "item", "warehouse"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_stock_entries_operation_id"), ["operation_id"], unique=False
        )

    op.create_table(
        "corridor_assignments",
        sa.Column("corridor_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corridor_id"],
            ["corridors.id"],
            name=op.f("fk_corridor_assignments_corridor_id_corridors"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_corridor_assignments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("corridor_id", "user_id", name=op.f("pk_corridor_assignments")),
    )
    op.create_table(
        "corridor_status_changes",
        sa.Column("corridor_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open", "suspended", "closed", name="corridorstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corridor_id"],
            ["corridors.id"],
            name=op.f("fk_corridor_status_changes_corridor_id_corridors"),
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_corridor_status_changes_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_corridor_status_changes_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["users.id"],
            name=op.f("fk_corridor_status_changes_submitted_by_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_corridor_status_changes")),
        sa.UniqueConstraint("client_id", name=op.f("uq_corridor_status_changes_client_id")),
    )
    with op.batch_alter_table("corridor_status_changes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_corridor_status_changes_corridor_id"), ["corridor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_corridor_status_changes_operation_id"), ["operation_id"], unique=False
        )

    op.create_table(
        "crossing_counts",
        sa.Column("corridor_id", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(), nullable=False),
        sa.Column("window_end", sa.DateTime(), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("age_band", sa.String(length=16), nullable=True),
        sa.Column(
            "sex", sa.Enum("f", "m", name="sex", native_enum=False, length=16), nullable=True
        ),
        sa.Column("people", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("people >= 0", name=op.f("ck_crossing_counts_people_non_negative")),
        sa.CheckConstraint(
            "window_end > window_start", name=op.f("ck_crossing_counts_window_ordered")
        ),
        sa.ForeignKeyConstraint(
            ["corridor_id"], ["corridors.id"], name=op.f("fk_crossing_counts_corridor_id_corridors")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"],
            ["operations.id"],
            name=op.f("fk_crossing_counts_operation_id_operations"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_crossing_counts_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_crossing_counts_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_crossing_counts")),
        sa.UniqueConstraint("client_id", name=op.f("uq_crossing_counts_client_id")),
    )
    with op.batch_alter_table("crossing_counts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_crossing_counts_corridor_window", ["corridor_id", "window_start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_crossing_counts_operation_id"), ["operation_id"], unique=False
        )

    op.create_table(
        "deliveries",
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column("corridor_id", sa.Integer(), nullable=True),
        sa.Column("warehouse", sa.String(length=64), nullable=False),
        sa.Column("item", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Float(), nullable=False),
        sa.Column("unit", sa.String(length=16), nullable=False),
        sa.Column("trucks", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("quantity >= 0", name=op.f("ck_deliveries_quantity_non_negative")),
        sa.ForeignKeyConstraint(
            ["corridor_id"], ["corridors.id"], name=op.f("fk_deliveries_corridor_id_corridors")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_deliveries_operation_id_operations")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_deliveries_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_deliveries_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("client_id", name=op.f("uq_deliveries_client_id")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_deliveries_operation_id"), ["operation_id"], unique=False
        )

    op.create_table(
        "incidents",
        sa.Column("event_time", sa.DateTime(), nullable=False),
        sa.Column(
            "type",
            sa.Enum(
                "shelling",
                "gunfire",
                "checkpoint",
                "road_blocked",
                "crowd",
                "medical",
                "accident",
                "other",
                name="incidenttype",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column(
            "severity",
            sa.Enum(
                "low", "medium", "high", "critical", name="severity", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("corridor_id", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("place", sa.String(length=200), nullable=False),
        sa.Column("description", sa.String(length=1000), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.Uuid(), nullable=False),
        sa.Column("operation_id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["corridor_id"], ["corridors.id"], name=op.f("fk_incidents_corridor_id_corridors")
        ),
        sa.ForeignKeyConstraint(
            ["operation_id"], ["operations.id"], name=op.f("fk_incidents_operation_id_operations")
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisations.id"],
            name=op.f("fk_incidents_organisation_id_organisations"),
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"], ["users.id"], name=op.f("fk_incidents_submitted_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_incidents")),
        sa.UniqueConstraint("client_id", name=op.f("uq_incidents_client_id")),
    )
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_incidents_operation_id"), ["operation_id"], unique=False
        )

    # the audit chain's head: one row, locked by every writer that appends to the chain
    head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("seq", sa.Integer),
        sa.column("hash", sa.String),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_incidents_operation_id"))

    op.drop_table("incidents")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_operation_id"))

    op.drop_table("deliveries")
    with op.batch_alter_table("crossing_counts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_crossing_counts_operation_id"))
        batch_op.drop_index("ix_crossing_counts_corridor_window")

    op.drop_table("crossing_counts")
    with op.batch_alter_table("corridor_status_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_corridor_status_changes_operation_id"))
        batch_op.drop_index(batch_op.f("ix_corridor_status_changes_corridor_id"))

    op.drop_table("corridor_status_changes")
    op.drop_table("corridor_assignments")
    with op.batch_alter_table("stock_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stock_entries_operation_id"))
        batch_op.drop_index("ix_stock_entries_item")

    op.drop_table("stock_entries")
    op.drop_table("operation_policies")
    op.drop_table("operation_members")
    op.drop_table("corridors")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_organisation_id"))

    op.drop_table("users")
    op.drop_table("operations")
    op.drop_table("organisations")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_log_record")

    op.drop_table("audit_log")
    op.drop_table("audit_head")
