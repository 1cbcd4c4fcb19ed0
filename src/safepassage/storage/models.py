"""The operations data model: SQLAlchemy 2 typed ORM, the same on SQLite and PostgreSQL.

Aggregate counts only (reference R1): no table holds a name, an identity document, a phone
number or a per-person position. Every schema change goes through an Alembic migration in
``storage/migrations/versions``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from safepassage.model.scenario import CorridorStatus
from safepassage.storage.types import (
    Classification,
    IncidentType,
    Role,
    Severity,
    Sex,
    StockKind,
    UTCDateTime,
    utc_now,
)

__all__ = [
    "AuditEntry",
    "AuditHead",
    "Base",
    "Corridor",
    "CorridorAssignment",
    "CorridorStatusChange",
    "CrossingCount",
    "Delivery",
    "FieldRecord",
    "Incident",
    "IngestedSubmission",
    "Operation",
    "OperationMember",
    "OperationPolicy",
    "Organisation",
    "PlanBundle",
    "RetentionPolicy",
    "StockEntry",
    "User",
]

# Stable constraint names, so that migrations can drop and alter them on both databases.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(cls: type[Any]) -> Enum:
    """A string column holding an enum's values (not names); no native type, so no migration."""
    return Enum(
        cls,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organisation(Base):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class User(Base):
    """A person or device holding one API token; only the token's SHA-256 is stored (R8)."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Operation(Base):
    """One operation: a scenario (TOML text) and its current plan (summary JSON)."""

    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    lead_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    scenario_toml: Mapped[str | None] = mapped_column(Text)
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class PlanBundle(Base):
    """A published plan of an operation (see ``reports/plan_bundle.py``); the latest one counts.

    Plans are kept, not replaced, so that a report can say which plan its figures came from.
    """

    __tablename__ = "plan_bundles"

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    published_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)
    bundle: Mapped[dict[str, Any]] = mapped_column(JSON)


class OperationMember(Base):
    """An organisation taking part in an operation: it sees the operation's public tables."""

    __tablename__ = "operation_members"

    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)
    added_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class OperationPolicy(Base):
    """The operation's information sharing protocol (R5): a classification per table."""

    __tablename__ = "operation_policies"

    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    classification: Mapped[Classification] = mapped_column(_enum(Classification))


class RetentionPolicy(Base):
    """How many days an operation keeps a table's rows before `purge` destroys them (R7)."""

    __tablename__ = "retention_policies"
    __table_args__ = (CheckConstraint("days > 0", name="days_positive"),)

    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), primary_key=True)
    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    days: Mapped[int] = mapped_column(Integer)
    # every row that ended before this has been destroyed (the latest purge's cutoff)
    purged_before: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class Corridor(Base):
    """A corridor of an operation; its status is the latest change by event time."""

    __tablename__ = "corridors"
    __table_args__ = (UniqueConstraint("operation_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    planned_throughput_pph: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CorridorAssignment(Base):
    """A monitor may submit crossing counts for the corridors assigned to them."""

    __tablename__ = "corridor_assignments"

    corridor_id: Mapped[int] = mapped_column(ForeignKey("corridors.id"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)


class FieldRecord(Base):
    """Columns every field submission carries (an abstract base: no table of its own).

    ``client_id`` is made by the client (a UUID) and unique, so a retry returns the stored row
    instead of counting twice; ``event_time`` is when it happened, ``received_at`` when the
    server took it (late and out-of-order submissions are normal in the field).
    """

    __abstract__ = True

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[uuid.UUID] = mapped_column(Uuid(), unique=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    submitted_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class CorridorStatusChange(FieldRecord):
    __tablename__ = "corridor_status_changes"

    corridor_id: Mapped[int] = mapped_column(ForeignKey("corridors.id"), index=True)
    status: Mapped[CorridorStatus] = mapped_column(_enum(CorridorStatus))
    reason: Mapped[str] = mapped_column(String(500), default="")
    event_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())


class CrossingCount(FieldRecord):
    """People who crossed one corridor in one time window, for one group (aggregate only)."""

    __tablename__ = "crossing_counts"
    __table_args__ = (
        CheckConstraint("people >= 0", name="people_non_negative"),
        CheckConstraint("window_end > window_start", name="window_ordered"),
        Index("ix_crossing_counts_corridor_window", "corridor_id", "window_start"),
    )

    corridor_id: Mapped[int] = mapped_column(ForeignKey("corridors.id"))
    window_start: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    group: Mapped[str] = mapped_column(String(64), default="all")
    age_band: Mapped[str | None] = mapped_column(String(16))
    sex: Mapped[Sex | None] = mapped_column(_enum(Sex))
    people: Mapped[int] = mapped_column(Integer)


class IngestedSubmission(Base):
    """A form submission (KoBo, ODK, a row of an HXL file) already summed into a crossing count.

    Only its id is kept, never its fields (reference R10: respondent-level rows are reduced to
    aggregates at ingest), so that a file ingested again, or a later export that repeats the
    earlier submissions, counts each submission once. Never purged: without it, a re-ingested
    file would count its people twice.
    """

    __tablename__ = "ingested_submissions"

    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), primary_key=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(Uuid(), primary_key=True)
    ingested_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utc_now)


class Delivery(FieldRecord):
    """A consignment that arrived (or was turned back) at a warehouse or distribution point."""

    __tablename__ = "deliveries"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_non_negative"),)

    event_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    corridor_id: Mapped[int | None] = mapped_column(ForeignKey("corridors.id"))
    warehouse: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    trucks: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(String(500), default="")


class StockEntry(FieldRecord):
    """One ledger line; balances are sums over the ledger, never stored."""

    __tablename__ = "stock_entries"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="quantity_positive"),
        Index("ix_stock_entries_item", "operation_id", "item", "warehouse"),
    )

    event_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    kind: Mapped[StockKind] = mapped_column(_enum(StockKind))
    warehouse: Mapped[str] = mapped_column(String(64))
    to_warehouse: Mapped[str | None] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64))
    quantity: Mapped[float] = mapped_column(Float)
    unit: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(500), default="")


class Incident(FieldRecord):
    __tablename__ = "incidents"

    event_time: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    type: Mapped[IncidentType] = mapped_column(_enum(IncidentType))
    severity: Mapped[Severity] = mapped_column(_enum(Severity))
    corridor_id: Mapped[int | None] = mapped_column(ForeignKey("corridors.id"))
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    place: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(String(1000), default="")


class AuditEntry(Base):
    """One link of the append-only audit chain (see :mod:`safepassage.storage.audit`)."""

    __tablename__ = "audit_log"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    user_id: Mapped[int | None] = mapped_column(Integer)
    organisation_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(32))
    table_name: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    record_hash: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_audit_log_record", "table_name", "record_id"),)


class AuditHead(Base):
    """A single row: the last sequence number and hash; locked to append one writer at a time."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
