"""The figures of a situation report as plain data: each figure with the sources it comes from
(gathered by ``sitrep_figures.py``, drawn by ``sitrep.py``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from safepassage.model.scenario import CorridorStatus
from safepassage.reports.sitrep_plan import PlanView
from safepassage.reports.sitrep_record import ItemTotal
from safepassage.storage.types import Classification

__all__ = [
    "NO_FIGURE",
    "CorridorFigures",
    "Figure",
    "Gap",
    "IncidentRow",
    "Sector",
    "SectorFigures",
    "SitrepFigures",
    "Source",
    "Sources",
    "StatusChange",
    "StockFigures",
    "WindowFigures",
    "share_of",
]

Sector = Literal["food", "water", "health", "shelter"]


@dataclass(frozen=True)
class Source:
    """Where figures come from: ``origin`` "record" (a table and query window) or "plan"."""

    ref: int
    origin: Literal["record", "plan"]
    text: str


class Sources:
    def __init__(self) -> None:
        self.items: list[Source] = []
        self._refs: dict[tuple[str, str], int] = {}

    def __call__(self, origin: Literal["record", "plan"], text: str) -> int:
        key = (origin, text)
        if key not in self._refs:
            self._refs[key] = len(self.items) + 1
            self.items.append(Source(self._refs[key], origin, text))
        return self._refs[key]


@dataclass(frozen=True)
class Figure:
    """A value with its source references; ``hidden`` is its published text when suppressed."""

    value: float | None
    refs: tuple[int, ...] = ()
    hidden: str | None = None

    @property
    def shown(self) -> bool:
        return self.value is not None and self.hidden is None


NO_FIGURE = Figure(None)


def share_of(numerator: Figure, denominator: Figure) -> Figure:
    """A ratio; hidden (as ``"x"``) when its numerator is (R2: derived rates are suppressed)."""
    refs = numerator.refs + denominator.refs
    if numerator.hidden is not None:
        return Figure(None, refs, "x")
    if numerator.value is None or not denominator.value:
        return Figure(None, refs)
    return Figure(numerator.value / denominator.value, refs)


@dataclass(frozen=True)
class CorridorFigures:
    code: str
    name: str
    status: CorridorStatus
    status_since: dt.datetime | None
    status_reason: str
    status_from_plan: bool  # no change recorded: the plan's status
    not_open_h: float  # hours of the period the corridor was suspended or closed
    throughput_pph: float | None
    crossed: Figure
    crossed_to_date: Figure
    planned: Figure
    share: Figure
    status_ref: int


@dataclass(frozen=True)
class WindowFigures:
    start: dt.datetime
    end: dt.datetime
    crossed: Figure
    planned: Figure


@dataclass(frozen=True)
class StatusChange:
    at: dt.datetime
    corridor: str
    status: CorridorStatus
    reason: str


@dataclass(frozen=True)
class SectorFigures:
    sector: Sector
    unit: str
    need: Figure  # in the period, in ``unit`` (shelter: people arriving)
    distributed: Figure  # stock ledger distributions in the period, in ``unit``
    received: Figure  # deliveries received in the period, in ``unit``
    gap: Figure  # need - distributed, when > 0
    coverage: Figure  # distributed / need


@dataclass(frozen=True)
class StockFigures:
    item: str
    unit: str
    balance: Figure
    rate_per_day: Figure
    cover_days: Figure
    plan_cover_days: Figure
    plan_stockout: str | None


@dataclass(frozen=True)
class IncidentRow:
    at: dt.datetime
    type: str
    severity: str
    corridor: str | None


@dataclass(frozen=True)
class Gap:
    """One gap; ``kind`` picks the wording, ``values`` fill it in."""

    kind: Literal["sector", "below_plan", "not_open", "was_not_open", "low_cover"]
    subject: str
    values: dict[str, float | str]
    refs: tuple[int, ...]


@dataclass
class SitrepFigures:
    """Everything a sitrep shows, language-free."""

    operation_code: str
    operation_name: str
    classification: Classification
    number: int
    as_of: dt.datetime
    period_start: dt.datetime
    next_report: dt.datetime
    plan: PlanView
    k: int
    corridors: list[CorridorFigures]
    windows: list[WindowFigures]
    totals: dict[str, Figure]  # key figures (see gather_figures)
    cumulative: list[tuple[dt.datetime, float | None, float]]  # (time, recorded, planned)
    status_changes: list[StatusChange]
    sectors: list[SectorFigures]
    stocks: list[StockFigures]
    deliveries: list[ItemTotal]
    incidents: list[IncidentRow]
    incident_counts: dict[tuple[str, str], int]  # (type, severity) -> incidents
    gaps: list[Gap]
    sources: list[Source] = field(default_factory=list)

    @property
    def period_hours(self) -> float:
        return (self.as_of - self.period_start).total_seconds() / 3600.0
