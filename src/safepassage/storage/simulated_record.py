"""A simulated operations record that follows a published plan: for the demo and benchmarks.

Nothing here is observed data. The record is what a week of field reports could look like if
the plan were followed with noise: hourly crossing counts per corridor and group (the plan's
crossings times a log-normal factor), one corridor suspended for six hours and reopened, the
relief forecast's stock as receipts, deliveries and daily distributions, and three incidents.
Every row's note or reason says "simulated", and every client id is derived from the operation,
the seed and the row (UUID 5), so running it twice adds nothing.
"""

from __future__ import annotations

import datetime as dt
import math
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.errors import DataError
from safepassage.model.scenario import CorridorStatus
from safepassage.reports.plan_bundle import check_bundle
from safepassage.storage.models import (
    Corridor,
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    FieldRecord,
    Incident,
    Operation,
    StockEntry,
    User,
)
from safepassage.storage.records import submit_records
from safepassage.storage.types import IncidentType, Severity, StockKind

__all__ = ["SIMULATED", "simulate_record"]

SIMULATED = "simulated (demo data, not observed)"
_NAMESPACE = uuid.UUID("6f1d3c52-8a4e-4f0b-9a57-2f3b5d1e7c90")
_NOISE_SIGMA = 0.15  # log-normal spread of an hour's count around the plan
_SUSPENSION_H = 6  # at most; half the period when that is shorter
_BATCH = 500
_WAREHOUSE = "main"
_TRUCK_T = 20.0  # tonnes per truck for the simulated deliveries (WFP's 20 t long-haul truck)


class _Ids:
    """Deterministic client ids: the same operation, seed and row give the same UUID."""

    def __init__(self, operation: Operation, seed: int) -> None:
        self.prefix = f"{operation.code}/{seed}"

    def __call__(self, *parts: object) -> uuid.UUID:
        return uuid.uuid5(_NAMESPACE, "/".join([self.prefix, *map(str, parts)]))


def _corridor_ids(session: Session, operation: Operation) -> dict[str, int]:
    query = select(Corridor.code, Corridor.id).where(Corridor.operation_id == operation.id)
    return dict(session.execute(query).tuples().all())


def _offset_lonlat(lon: float, lat: float, metres_east: float) -> tuple[float, float]:
    return lon + metres_east / (111_320.0 * math.cos(math.radians(lat))), lat


def _crossings(
    bundle: dict[str, Any],
    corridors: Mapping[str, int],
    hours: Sequence[dt.datetime],
    suspended: tuple[str, int, int] | None,
    rng: np.random.Generator,
    ids: _Ids,
) -> list[dict[str, Any]]:
    rows = []
    for code, series in bundle["planned"].items():
        for group, planned in series["by_group"].items():
            for h, start in enumerate(hours):
                expected = planned[h] if h < len(planned) else 0.0
                if expected <= 0:
                    continue
                if suspended is not None and (
                    suspended[0] == code and suspended[1] <= h < suspended[1] + suspended[2]
                ):
                    continue
                people = round(float(expected) * float(rng.lognormal(0.0, _NOISE_SIGMA)))
                rows.append(
                    {
                        "client_id": ids("crossing", code, group, h),
                        "corridor_id": corridors[code],
                        "window_start": start,
                        "window_end": start + dt.timedelta(hours=1),
                        "group": group,
                        "people": people,
                    }
                )
    return rows


def _suspension(bundle: dict[str, Any], hours: int) -> tuple[str, int, int] | None:
    """The corridor with the most planned crossings, its busiest hour in the period and how
    many hours it is suspended from then; None when the period is too short."""
    length = min(_SUSPENSION_H, hours // 2)
    if length < 1:
        return None
    totals = {
        code: float(np.sum(series["crossings"][:hours]))
        for code, series in bundle["planned"].items()
    }
    code = max(totals, key=lambda c: totals[c])
    crossings = np.asarray(bundle["planned"][code]["crossings"][: hours - length])
    return code, int(np.argmax(crossings)) if crossings.size else 0, length


def _statuses(
    corridors: Mapping[str, int],
    start: dt.datetime,
    suspended: tuple[str, int, int] | None,
    ids: _Ids,
) -> list[dict[str, Any]]:
    rows = [
        {
            "client_id": ids("status", code, "open"),
            "corridor_id": cid,
            "status": CorridorStatus.OPEN,
            "reason": f"operation starts; {SIMULATED}",
            "event_time": start,
        }
        for code, cid in corridors.items()
    ]
    if suspended is not None:
        code, h, length = suspended
        at = start + dt.timedelta(hours=h)
        rows += [
            {
                "client_id": ids("status", code, "suspended"),
                "corridor_id": corridors[code],
                "status": CorridorStatus.SUSPENDED,
                "reason": f"shelling reported near the checkpoint; {SIMULATED}",
                "event_time": at,
            },
            {
                "client_id": ids("status", code, "reopened"),
                "corridor_id": corridors[code],
                "status": CorridorStatus.OPEN,
                "reason": f"reopened after assessment; {SIMULATED}",
                "event_time": at + dt.timedelta(hours=length),
            },
        ]
    return rows


def _stock(
    bundle: dict[str, Any], start: dt.datetime, days: int, rng: np.random.Generator, ids: _Ids
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Stock ledger lines and deliveries following the relief forecast's P50 stock."""
    relief = bundle.get("relief")
    if not relief:
        return [], []
    entries, deliveries = [], []
    for commodity in relief["commodities"]:
        name, unit = commodity["commodity"], commodity["unit"]
        stock = [s for s in commodity["stock"][: days + 1] if s is not None]
        if not stock:
            continue
        entries.append(
            {
                "client_id": ids("stock", name, "opening"),
                "event_time": start,
                "kind": StockKind.RECEIPT,
                "warehouse": _WAREHOUSE,
                "item": name,
                "quantity": float(stock[0]),
                "unit": unit,
                "note": f"opening stock; {SIMULATED}",
            }
        )
        for d in range(len(stock) - 1):
            at = start + dt.timedelta(days=d, hours=12)
            change = stock[d + 1] - stock[d]
            if change < 0:
                quantity = round(-change * float(rng.lognormal(0.0, 0.05)), 3)
                entries.append(
                    {
                        "client_id": ids("stock", name, d, "distribution"),
                        "event_time": at,
                        "kind": StockKind.DISTRIBUTION,
                        "warehouse": _WAREHOUSE,
                        "item": name,
                        "quantity": quantity,
                        "unit": unit,
                        "note": f"daily distribution; {SIMULATED}",
                    }
                )
            elif change > 0:
                tonnes = change / 1000.0 if unit == "kg" else None
                trucks = max(1, math.ceil(tonnes / _TRUCK_T)) if tonnes else None
                common = {"event_time": at, "item": name, "quantity": change, "unit": unit}
                deliveries.append(
                    {
                        "client_id": ids("delivery", name, d),
                        "warehouse": _WAREHOUSE,
                        "trucks": trucks,
                        "note": f"convoy arrival; {SIMULATED}",
                        **common,
                    }
                )
                entries.append(
                    {
                        "client_id": ids("stock", name, d, "receipt"),
                        "kind": StockKind.RECEIPT,
                        "warehouse": _WAREHOUSE,
                        "note": f"convoy receipt; {SIMULATED}",
                        **common,
                    }
                )
    return entries, deliveries


def _incidents(
    bundle: dict[str, Any],
    corridors: Mapping[str, int],
    start: dt.datetime,
    suspended: tuple[str, int, int] | None,
    hours: int,
    ids: _Ids,
) -> list[dict[str, Any]]:
    by_code = {c["id"]: c for c in bundle["corridors"]}
    rows = []
    if suspended is not None:
        code, h, length = suspended
        lon, lat = _offset_lonlat(by_code[code]["lon"], by_code[code]["lat"], 300.0)
        rows.append(
            {
                "client_id": ids("incident", "shelling"),
                "event_time": start + dt.timedelta(hours=h) - dt.timedelta(minutes=20),
                "type": IncidentType.SHELLING,
                "severity": Severity.HIGH,
                "corridor_id": corridors[code],
                "lon": lon,
                "lat": lat,
                "place": f"about 300 m east of {by_code[code]['name']}",
                "description": f"corridor suspended for {length} h; {SIMULATED}",
            }
        )
    routes = sorted(bundle.get("routes", []), key=lambda r: -float(r["people"]))
    if routes:
        route = routes[0]
        mid = len(route["lon"]) // 2
        rows.append(
            {
                "client_id": ids("incident", "road"),
                "event_time": start + dt.timedelta(hours=min(hours - 1, 30)),
                "type": IncidentType.ROAD_BLOCKED,
                "severity": Severity.MEDIUM,
                "corridor_id": corridors.get(route["corridor"]),
                "lon": route["lon"][mid],
                "lat": route["lat"][mid],
                "place": f"on the route from {route['area']}",
                "description": f"debris on the road, cleared in 2 h; {SIMULATED}",
            }
        )
    first = bundle["corridors"][0]["id"]
    rows.append(
        {
            "client_id": ids("incident", "crowd"),
            "event_time": start + dt.timedelta(hours=min(hours - 1, 26)),
            "type": IncidentType.CROWD,
            "severity": Severity.LOW,
            "corridor_id": corridors[first],
            "lon": by_code[first]["lon"],
            "lat": by_code[first]["lat"],
            "place": f"queue at {by_code[first]['name']}",
            "description": f"long queue, more counters opened; {SIMULATED}",
        }
    )
    return rows


def _submit(
    session: Session,
    model: type[FieldRecord],
    rows: list[dict[str, Any]],
    user: User,
    operation: Operation,
) -> int:
    created = 0
    for i in range(0, len(rows), _BATCH):
        done = submit_records(
            session, model, rows[i : i + _BATCH], user=user, operation_id=operation.id
        )
        created += sum(s.created for s in done)
    return created


def simulate_record(
    session: Session,
    user: User,
    operation: Operation,
    bundle: dict[str, Any],
    *,
    days: float = 7.0,
    seed: int = 0,
) -> dict[str, int]:
    """Write a simulated record of ``days`` from the plan's start; returns rows added per table.

    Raises
    ------
    DataError
        The bundle is not a plan bundle, or its corridors are not the operation's (publish the
        plan first).
    """
    check_bundle(bundle)
    if not days > 0:
        raise DataError(f"days must be > 0, got {days}")
    corridors = _corridor_ids(session, operation)
    missing = sorted(set(bundle["planned"]) - set(corridors))
    if missing:
        msg = (
            f"corridors {', '.join(missing)} are not in operation {operation.code!r}; "
            "publish the plan first (`safepassage operations publish`)"
        )
        raise DataError(msg)
    rng = np.random.default_rng(seed)
    ids = _Ids(operation, seed)
    n_hours = min(len(bundle["hours"]), round(days * 24))
    hours = [dt.datetime.fromisoformat(h) for h in bundle["hours"][:n_hours]]
    start = dt.datetime.fromisoformat(bundle["scenario"]["start"])
    suspended = _suspension(bundle, n_hours)
    statuses = _statuses(corridors, start, suspended, ids)
    crossings = _crossings(bundle, corridors, hours, suspended, rng, ids)
    stock, deliveries = _stock(bundle, start, math.ceil(days), rng, ids)
    incidents = _incidents(bundle, corridors, start, suspended, max(n_hours, 1), ids)
    tables: list[tuple[type[FieldRecord], list[dict[str, Any]]]] = [
        (CorridorStatusChange, statuses),
        (CrossingCount, crossings),
        (StockEntry, stock),
        (Delivery, deliveries),
        (Incident, incidents),
    ]
    return {
        model.__tablename__: _submit(session, model, rows, user, operation)
        for model, rows in tables
    }
