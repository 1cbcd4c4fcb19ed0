"""The scenario's relief data as arrays: stocks, rations, losses, routes and planned convoys.

Day ``d`` of the relief horizon runs from ``start + d`` days to ``start + d + 1`` days (local
time). Quantities are in each commodity's base unit (kg, l or kit; ``model/standards.py``).
Cross-field checks that need the whole scenario (route ids, convoy dates inside the period,
truck types) are made here and raise :class:`~safepassage.errors.ScenarioError`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from safepassage.errors import ScenarioError
from safepassage.model.scenario import Scenario
from safepassage.model.standards import BASE_UNIT, FOOD_COMMODITIES
from safepassage.model.supply import ConvoyWindows, SupplyRoute, hhmm_minutes

__all__ = ["ReliefInputs", "open_hours_per_day", "person_days", "relief_inputs"]


@dataclass(frozen=True, eq=False)
class ReliefInputs:
    """Everything the forecast and the convoy plan need, as arrays over commodities ``c``,
    days ``d`` and open supply routes ``r``."""

    start: dt.datetime  # local, naive: the start of day 0
    commodities: tuple[str, ...]
    units: tuple[str, ...]
    stock0: NDArray[np.float64]  # (C,) at the start, base units
    loss_rate: NDArray[np.float64]  # (C,) share lost per day, stock-weighted
    ration: NDArray[np.float64]  # (C,) per person per day
    local: NDArray[np.float64]  # (C,) produced in the city per day
    mass_kg: NDArray[np.float64]  # (C,) kg per base unit; nan where not weighed
    route_ids: tuple[str, ...]  # open routes only
    trucks_cap: NDArray[np.float64]  # (R, D) trucks that may enter per day
    payload_t: NDArray[np.float64]  # (R,)
    turnaround_h: NDArray[np.float64]  # (R,)
    reliability: NDArray[np.float64]  # (R,)
    planned: NDArray[np.float64]  # (D, R, C) planned deliveries, base units
    warnings: list[str] = field(default_factory=list)

    @property
    def days(self) -> int:
        return int(self.planned.shape[0])

    def date(self, day: int) -> dt.date:
        return (self.start + dt.timedelta(days=day)).date()


def _where(scenario: Scenario) -> str:
    return str(scenario.source_path) if scenario.source_path else "scenario"


def person_days(
    total_people: float,
    depart_min: NDArray[np.float64],
    depart_people: NDArray[np.float64],
    days: int,
) -> NDArray[np.float64]:
    """People-days spent in the city in each of ``days`` days.

    ``total_people`` are in the city at minute 0; ``depart_people[i]`` of them leave at
    ``depart_min[i]`` (minutes after the start). Someone leaving halfway through day 3 counts for
    half a person-day on day 3 and none after.
    """
    minutes = np.asarray(depart_min, dtype=np.float64)
    people = np.asarray(depart_people, dtype=np.float64)
    day = np.clip(np.floor(minutes / 1440.0), 0, days).astype(np.int64)
    frac_stayed = np.clip(minutes / 1440.0 - day, 0.0, 1.0)
    gone_before = np.bincount(day, weights=people, minlength=days + 1)[:days]
    stayed_part = np.bincount(day, weights=people * frac_stayed, minlength=days + 1)[:days]
    left_by_start = np.concatenate([[0.0], np.cumsum(gone_before)[:-1]])
    return np.maximum(total_people - left_by_start - gone_before + stayed_part, 0.0)


def open_hours_per_day(
    windows: ConvoyWindows | None, start: dt.datetime, days: int
) -> NDArray[np.float64]:
    """Hours the windows are open in each day of the horizon (24 without windows)."""
    if windows is None:
        return np.full(days, 24.0)
    spans: list[tuple[dt.datetime, dt.datetime]] = list(windows.intervals)
    midnight = dt.datetime.combine(start.date(), dt.time())
    for offset in range(days + 2):
        base = midnight + dt.timedelta(days=offset)
        for first, last in windows.daily:
            spans.append(
                (
                    base + dt.timedelta(minutes=hhmm_minutes(first)),
                    base + dt.timedelta(minutes=hhmm_minutes(last)),
                )
            )
    hours = np.zeros(days)
    for d in range(days):
        lo, hi = start + dt.timedelta(days=d), start + dt.timedelta(days=d + 1)
        for a, b in spans:
            overlap = (min(hi, b) - max(lo, a)).total_seconds()
            hours[d] += max(overlap, 0.0) / 3600.0
    return hours


def _check_routes(scenario: Scenario, start: dt.datetime, end: dt.datetime) -> None:
    where = _where(scenario)
    seen: set[str] = set()
    payloads = scenario.relief.standards.truck_payload_t
    for i, route in enumerate(scenario.supply_routes):
        label = f"{where}: supply_routes[{i}] ({route.id})"
        if route.id in seen:
            raise ScenarioError(f"{label}: id {route.id!r} appears twice; ids must be unique")
        seen.add(route.id)
        if route.payload_t is None and route.truck not in payloads:
            known = ", ".join(sorted(payloads))
            msg = (
                f"{label}.truck: unknown truck type {route.truck!r}; known: {known}, "
                "or set payload_t"
            )
            raise ScenarioError(msg)
        for a, b in route.windows.intervals if route.windows else []:
            if b <= start or a >= end:
                msg = (
                    f"{label}.windows: interval {a} to {b} lies outside the scenario's period "
                    f"({start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M}, relief.horizon_days = "
                    f"{scenario.relief.horizon_days}); move it or raise relief.horizon_days"
                )
                raise ScenarioError(msg)


def _check_groups(scenario: Scenario) -> None:
    known = {g.id for g in scenario.groups}
    for group in scenario.relief.services.medical_share:
        if group not in known:
            msg = (
                f"{_where(scenario)}: relief.services.medical_share: group {group!r} is not "
                f"defined; known groups: {', '.join(sorted(known))}"
            )
            raise ScenarioError(msg)


def _payload(scenario: Scenario, route: SupplyRoute) -> float:
    if route.payload_t is not None:
        return route.payload_t
    return scenario.relief.standards.truck_payload_t[route.truck]


def _commodities(scenario: Scenario, warnings: list[str]) -> list[str]:
    """Commodities held or delivered that have a consumption figure, in a stable order."""
    rates = scenario.relief.consumption()
    named = [s.commodity for s in scenario.stocks] + [c.commodity for c in scenario.convoys]
    out: list[str] = []
    for commodity in dict.fromkeys(named):
        if commodity in rates:
            out.append(commodity)
        else:
            warnings.append(
                f"{commodity}: no consumption figure, left out of the forecast; set "
                f"relief.consumption_per_person_day.{commodity} ({BASE_UNIT[commodity]} per "
                "person per day)"
            )
    return out


def _stocks(scenario: Scenario, commodities: list[str]) -> tuple[NDArray, NDArray]:
    std = scenario.relief.standards
    stock0 = np.zeros(len(commodities))
    lost = np.zeros(len(commodities))
    index = {c: i for i, c in enumerate(commodities)}
    for stock in scenario.stocks:
        if stock.commodity in index:
            amount = stock.quantity * std.to_base(stock.commodity, stock.unit)
            stock0[index[stock.commodity]] += amount
            lost[index[stock.commodity]] += amount * stock.loss_rate_per_day
    loss_rate = np.divide(lost, stock0, out=np.zeros_like(lost), where=stock0 > 0)
    return stock0, loss_rate


def _planned(
    scenario: Scenario,
    commodities: list[str],
    routes: list[SupplyRoute],
    start: dt.datetime,
    days: int,
) -> NDArray:
    where = _where(scenario)
    planned = np.zeros((days, len(routes), len(commodities)))
    route_index = {r.id: i for i, r in enumerate(routes)}
    all_routes = {r.id: r for r in scenario.supply_routes}
    index = {c: i for i, c in enumerate(commodities)}
    first, last = start.date(), (start + dt.timedelta(days=days - 1)).date()
    for i, convoy in enumerate(scenario.convoys):
        label = f"{where}: convoys[{i}]"
        if convoy.route not in all_routes:
            known = ", ".join(all_routes) or "none defined"
            raise ScenarioError(f"{label}.route: no supply route {convoy.route!r}; routes: {known}")
        for day in convoy.days():
            if not first <= day <= last:
                msg = (
                    f"{label}: day {day} lies outside the scenario's period ({first} to {last}, "
                    "relief.horizon_days); move it or raise relief.horizon_days"
                )
                raise ScenarioError(msg)
            if convoy.route in route_index and convoy.commodity in index:
                amount = convoy.quantity * scenario.relief.standards.to_base(
                    convoy.commodity, convoy.unit
                )
                planned[(day - first).days, route_index[convoy.route], index[convoy.commodity]] += (
                    amount
                )
    return planned


def _convoy_warnings(inputs: ReliefInputs) -> list[str]:
    """Planned convoys on a day their route cannot take them (closed, or too many trucks)."""
    tonnes = inputs.planned @ np.nan_to_num(inputs.mass_kg) / 1000.0  # (D, R)
    warnings = []
    for d, r in zip(*np.nonzero(inputs.planned.sum(axis=2) > 0), strict=True):
        trucks = int(np.ceil(tonnes[d, r] / inputs.payload_t[r] - 1e-9))
        if trucks > inputs.trucks_cap[r, d]:
            warnings.append(
                f"convoys planned on {inputs.route_ids[r]} on {inputs.date(int(d))} need "
                f"{trucks} truck(s) but the route takes {int(inputs.trucks_cap[r, d])} that day; "
                "they are counted as planned"
            )
    return warnings


def relief_inputs(scenario: Scenario) -> ReliefInputs:
    """The relief arrays of ``scenario`` over ``relief.horizon_days`` days.

    Raises
    ------
    ScenarioError
        Duplicate route ids, an unknown truck type, a convoy window or a planned convoy outside
        the period, a convoy on a route that does not exist, a medical share of an unknown group.
    """
    relief = scenario.relief
    start = scenario.start_local.replace(tzinfo=None)
    days = relief.horizon_days
    _check_routes(scenario, start, start + dt.timedelta(days=days))
    _check_groups(scenario)
    warnings: list[str] = []
    commodities = _commodities(scenario, warnings)
    if "food_basket" in commodities and FOOD_COMMODITIES & set(commodities):
        warnings.append(
            "stocks hold both food_basket and basket items: each is eaten at its full ration; "
            "count the food as a basket or as items, not both"
        )
    if not commodities:
        warnings.append(
            "the scenario holds no stocks with a consumption figure: add [[stocks]] "
            "(docs/relief.md) to forecast them"
        )
    stock0, loss_rate = _stocks(scenario, commodities)
    rates, masses = relief.consumption(), relief.masses()
    routes = [r for r in scenario.supply_routes if r.status == "open"]
    warnings += [f"supply route {r.id} is cut" for r in scenario.supply_routes if r.status == "cut"]
    for convoy in scenario.convoys:
        if convoy.route not in {r.id for r in routes}:
            warnings.append(
                f"convoy of {convoy.commodity} on {convoy.route}: the route is cut, not counted"
            )
    cap = [open_hours_per_day(r.windows, start, days) * r.trucks_per_hour for r in routes]
    inputs = ReliefInputs(
        start=start,
        commodities=tuple(commodities),
        units=tuple(BASE_UNIT[c] for c in commodities),
        stock0=stock0,
        loss_rate=loss_rate,
        ration=np.array([rates[c] for c in commodities], dtype=np.float64),
        local=np.array([relief.local_supply_per_day.get(c, 0.0) for c in commodities]),
        mass_kg=np.array([masses.get(c, np.nan) for c in commodities], dtype=np.float64),
        route_ids=tuple(r.id for r in routes),
        trucks_cap=np.floor(np.array(cap).reshape(len(routes), days) + 1e-9),
        payload_t=np.array([_payload(scenario, r) for r in routes], dtype=np.float64),
        turnaround_h=np.array([r.turnaround_h for r in routes], dtype=np.float64),
        reliability=np.array([r.reliability for r in routes], dtype=np.float64),
        planned=_planned(scenario, commodities, routes, start, days),
        warnings=warnings,
    )
    warnings += _convoy_warnings(inputs)
    return inputs
