"""Column types and fixed vocabularies shared by the storage models and the API schemas."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

__all__ = [
    "Classification",
    "IncidentType",
    "Role",
    "Severity",
    "Sex",
    "StockKind",
    "UTCDateTime",
    "utc_now",
]


def utc_now() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as naive UTC and read back timezone-aware.

    SQLite has no timezone type and PostgreSQL's ``timestamptz`` would answer in the session's
    zone: storing naive UTC on both keeps one behaviour and one canonical form for the audit hash.
    """

    impl = DateTime(timezone=False)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"expected a datetime, got {type(value).__name__}")
        if value.tzinfo is None:
            raise ValueError("naive datetime given; store timezone-aware times only")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: Any, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # defensive: raw SQLite text
            value = dt.datetime.fromisoformat(value)
        assert isinstance(value, dt.datetime)
        return value.replace(tzinfo=dt.UTC)


class Role(StrEnum):
    """What a user may do, within their own organisation (see ``docs/service.md``)."""

    VIEWER = "viewer"
    MONITOR = "monitor"
    LOGISTICS = "logistics"
    PLANNER = "planner"
    ADMIN = "admin"


class Classification(StrEnum):
    """Who may read a table's rows (OCHA data responsibility classes; reference R4/R5).

    ``public``: every organisation taking part in the operation; ``restricted``: the organisation
    that submitted the row and the organisation leading the operation; ``sensitive``: the
    submitting organisation only.
    """

    PUBLIC = "public"
    RESTRICTED = "restricted"
    SENSITIVE = "sensitive"


class StockKind(StrEnum):
    RECEIPT = "receipt"
    DISTRIBUTION = "distribution"
    LOSS = "loss"
    TRANSFER = "transfer"


class Sex(StrEnum):
    FEMALE = "f"
    MALE = "m"


class IncidentType(StrEnum):
    SHELLING = "shelling"
    GUNFIRE = "gunfire"
    CHECKPOINT = "checkpoint"
    ROAD_BLOCKED = "road_blocked"
    CROWD = "crowd"
    MEDICAL = "medical"
    ACCIDENT = "accident"
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"
