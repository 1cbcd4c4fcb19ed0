"""Request and response bodies, separate from the storage models (``XCreate`` / ``XPublic``).

Times must carry a timezone (``2026-12-01T09:00:00+02:00`` or ``…Z``): a field device's local
time without one is ambiguous. Aggregate counts only: no field takes a name or a person's id.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Any, Generic, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from safepassage.model.scenario import CorridorStatus
from safepassage.storage.crossing_submissions import hour_window
from safepassage.storage.types import (
    Classification,
    IncidentType,
    Role,
    Severity,
    Sex,
    StockKind,
    utc_now,
)

__all__ = [
    "MAX_BATCH",
    "BalancePublic",
    "BatchIn",
    "BatchItem",
    "BatchOut",
    "CorridorCreate",
    "CorridorPublic",
    "CrossingCreate",
    "CrossingPublic",
    "DeliveryCreate",
    "DeliveryPublic",
    "IncidentCreate",
    "IncidentPublic",
    "MemberAdd",
    "MonitorAssign",
    "OperationCreate",
    "OperationPublic",
    "OrganisationPublic",
    "PolicySet",
    "StatusChangeCreate",
    "StatusChangePublic",
    "StockEntryCreate",
    "StockEntryPublic",
    "UserCreate",
    "UserCreated",
    "UserPublic",
]

MAX_BATCH = 5000
# a device clock a little ahead is normal; more is a wrong clock or a typo in the date
FUTURE_SKEW = dt.timedelta(minutes=10)

Code = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Unit = Annotated[str, Field(min_length=1, max_length=16, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")]
Label = Annotated[str, Field(min_length=1, max_length=200)]
Note = Annotated[str, Field(max_length=500)]
Lat = Annotated[float, Field(ge=-90, le=90)]
Lon = Annotated[float, Field(ge=-180, le=180)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable_text(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL, and neither backend can store a lone surrogate
        if isinstance(value, str):
            if "\x00" in value:
                raise ValueError("text contains a NUL character")
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError("text is not valid Unicode (a lone surrogate)") from None
        return value


class _Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


MAX_WINDOW = dt.timedelta(hours=24)
# the longest window stored: ingest widens a form's windows to whole hours of their clock (R10),
# so a 24-hour tally off the hour becomes 25 hours (and an export of it must ingest back). The
# API takes a window only if it is no longer than this once widened, so no stored count, as
# given or as widened, lasts longer (the public export's settle relies on it).
MAX_STORED_WINDOW = MAX_WINDOW + dt.timedelta(hours=1)
EARLIEST = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)  # older: a device clock never set


LATEST = dt.datetime(2100, 1, 1, tzinfo=dt.UTC)


def _query_time(value: dt.datetime) -> dt.datetime:
    if not EARLIEST <= value <= LATEST:
        raise ValueError(f"{value.isoformat()}: give a time between 2000 and 2100")
    return value


# a time in a query (since=, at=): stored times lie in this range, and one near year 1 or 9999
# cannot even be converted to UTC
QueryTime = Annotated[AwareDatetime, AfterValidator(_query_time)]


def _not_future(value: dt.datetime, name: str) -> dt.datetime:
    """A time that happened: not ahead of the server's clock by more than the skew, and not
    before 2000 (both come from a wrong device clock)."""
    if value - utc_now() > FUTURE_SKEW:
        raise ValueError(f"{name} {value.isoformat()} is in the future; check the device clock")
    if value < EARLIEST:
        raise ValueError(f"{name} {value.isoformat()} is before 2000; check the device clock")
    return value


class _Event(_In):
    client_id: uuid.UUID = Field(description="made by the client (UUID4); a retry reuses it")
    event_time: AwareDatetime = Field(description="when it happened, with timezone")

    @field_validator("event_time")
    @classmethod
    def _past(cls, value: dt.datetime) -> dt.datetime:
        return _not_future(value, "event_time")


class _EventOut(_Out):
    id: int
    client_id: uuid.UUID
    organisation: str = Field(description="code of the submitting organisation")
    received_at: dt.datetime
    seq: int | None = Field(
        default=None,
        description=(
            "the record's place in the order records were stored (its audit entry); poll with "
            "?after= the largest one seen. null only for a row added outside the service"
        ),
    )


class OrganisationPublic(_Out):
    code: str
    name: str


class UserCreate(_In):
    role: Role
    name: Label


class UserPublic(_Out):
    id: int
    name: str
    role: Role
    organisation: str
    active: bool


class UserCreated(UserPublic):
    token: str = Field(description="shown once; only its SHA-256 is stored")


class OperationCreate(_In):
    code: Code
    name: Label
    scenario_toml: str | None = Field(default=None, max_length=1_000_000)
    plan: dict[str, Any] | None = None


class OperationPublic(_Out):
    code: str
    name: str
    lead_organisation: str
    members: list[str]
    classification: dict[str, Classification]
    plan: dict[str, Any] | None
    created_at: dt.datetime


class MemberAdd(_In):
    organisation: Code


class PolicySet(_In):
    table: Code
    classification: Classification


class CorridorCreate(_In):
    code: Code
    name: Label
    planned_throughput_pph: float | None = Field(default=None, ge=0)
    lat: Lat | None = None
    lon: Lon | None = None


class CorridorPublic(_Out):
    code: str
    name: str
    planned_throughput_pph: float | None
    lat: float | None
    lon: float | None
    status: CorridorStatus | None = Field(description="null: not shared with your organisation")
    status_since: dt.datetime | None
    status_reason: str


class MonitorAssign(_In):
    user_id: int = Field(ge=1, le=2**31 - 1)


class StatusChangeCreate(_Event):
    status: CorridorStatus
    reason: Note = ""


class StatusChangePublic(_EventOut):
    corridor: str
    status: CorridorStatus
    reason: str
    event_time: dt.datetime


class CrossingCreate(_In):
    """People who crossed ``corridor`` between ``window_start`` and ``window_end``."""

    client_id: uuid.UUID
    corridor: Code
    window_start: AwareDatetime
    window_end: AwareDatetime
    group: Code = "all"
    age_band: str | None = Field(default=None, pattern=r"^\d{1,3}(-\d{1,3}|\+)$", max_length=16)
    sex: Sex | None = None
    people: int = Field(ge=0, le=1_000_000)

    @model_validator(mode="after")
    def _window(self) -> CrossingCreate:
        if self.window_end <= self.window_start:
            raise ValueError("window_end must be after window_start")
        _not_future(self.window_start, "window_start")
        # a window still running counts only once it ends: its end moves "as of" everywhere
        _not_future(self.window_end, "window_end")
        first, last = hour_window(self.window_start, self.window_end)
        if last - first > MAX_STORED_WINDOW:
            raise ValueError(
                "a crossing count's window is at most 24 hours (25 once widened to whole hours); "
                "split longer ones, and give both times on the same clock"
            )
        return self


class CrossingPublic(_EventOut):
    corridor: str
    window_start: dt.datetime
    window_end: dt.datetime
    group: str
    age_band: str | None
    sex: Sex | None
    people: int


class DeliveryCreate(_Event):
    corridor: Code | None = None
    warehouse: Code
    item: Code
    quantity: float = Field(ge=0)
    unit: Unit
    trucks: int | None = Field(default=None, ge=0, le=100_000)
    note: Note = ""


class DeliveryPublic(_EventOut):
    event_time: dt.datetime
    corridor: str | None
    warehouse: str
    item: str
    quantity: float
    unit: str
    trucks: int | None
    note: str


class StockEntryCreate(_Event):
    kind: StockKind
    warehouse: Code
    to_warehouse: Code | None = None
    item: Code
    quantity: float = Field(gt=0)
    unit: Unit
    note: Note = ""

    @model_validator(mode="after")
    def _transfer(self) -> StockEntryCreate:
        if (self.kind is StockKind.TRANSFER) != (self.to_warehouse is not None):
            raise ValueError("to_warehouse is required for a transfer and only for a transfer")
        if self.to_warehouse == self.warehouse:
            raise ValueError("to_warehouse must differ from warehouse")
        return self


class StockEntryPublic(_EventOut):
    event_time: dt.datetime
    kind: StockKind
    warehouse: str
    to_warehouse: str | None
    item: str
    quantity: float
    unit: str
    note: str


class BalancePublic(_Out):
    warehouse: str
    item: str
    unit: str
    quantity: float


class IncidentCreate(_Event):
    type: IncidentType
    severity: Severity
    corridor: Code | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    place: Annotated[str, Field(max_length=200)] = ""
    description: Annotated[str, Field(max_length=1000)] = ""


class IncidentPublic(_EventOut):
    event_time: dt.datetime
    type: IncidentType
    severity: Severity
    corridor: str | None
    lat: float | None
    lon: float | None
    place: str
    description: str


In = TypeVar("In", bound=BaseModel)


class BatchIn(_In, Generic[In]):
    items: list[In] = Field(min_length=1, max_length=MAX_BATCH)


class BatchItem(BaseModel):
    client_id: uuid.UUID
    id: int = Field(description="the stored record's id")
    created: bool = Field(description="false: already stored by an earlier try")


class BatchOut(BaseModel):
    """One line per submitted item, in order: the acknowledgement a device keeps."""

    created: int = Field(description="records stored by this request")
    duplicates: int = Field(description="records already stored (retries): nothing added")
    items: list[BatchItem]
