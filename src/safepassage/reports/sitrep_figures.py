"""The figures of a situation report for one period, each with the sources it comes from.

Figures come only from the operations record (``sitrep_record.py``) and the published plan
(``sitrep_plan.py``). Counts of people from the record go through the public exports'
disclosure control (``storage/disclosure.py``): counts from 1 to k-1 read ``"<k"``, with
complementary suppression (``"x"``) so that none can be recovered by subtraction, and a share
computed from a hidden count is hidden too (reference rule R2).

Time conventions: a crossing count belongs to the period its window *ends* in, so periods tile
time and no count is counted twice; other records belong to the period their event time falls
in, ``(period start, as of]``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Hashable
from dataclasses import dataclass

from safepassage.model.scenario import CorridorStatus
from safepassage.reports.sitrep_model import (
    NO_FIGURE,
    CorridorFigures,
    Figure,
    Gap,
    IncidentRow,
    Sector,
    SectorFigures,
    SitrepFigures,
    Sources,
    StatusChange,
    StockFigures,
    WindowFigures,
    share_of,
)
from safepassage.reports.sitrep_plan import PlanView
from safepassage.reports.sitrep_record import ItemTotal, RecordExtract, StatusRecord
from safepassage.storage.disclosure import TOTAL, SuppressedTable, rounded, suppress

__all__ = [
    "LOW_COVER_DAYS",
    "SECTORS",
    "SECTOR_ITEMS",
    "default_number",
    "gather_figures",
    "period_windows",
]

SECTORS: tuple[Sector, ...] = ("food", "water", "health", "shelter")
# which ledger items answer which sector's need (commodities of model/stocks.py; shelter items
# as logistics teams name them)
SECTOR_ITEMS: dict[Sector, frozenset[str]] = {
    "food": frozenset(
        {"cereal", "pulses", "oil", "fortified_blended_food", "sugar", "salt", "food_basket"}
    ),
    "water": frozenset({"water"}),
    "health": frozenset({"medical_kit"}),
    "shelter": frozenset({"shelter_kit", "tarpaulin", "tent", "blanket", "nfi_kit"}),
}
_SECTOR_UNIT: dict[Sector, str] = {"food": "t", "water": "m3", "health": "kit", "shelter": "item"}
_TO_SECTOR_UNIT = {"kg": ("t", 1e-3), "t": ("t", 1.0), "l": ("m3", 1e-3), "m3": ("m3", 1.0)}
LOW_COVER_DAYS = 7.0  # as the service's low_cover alert (storage/alerts.py, AlertSettings)
BELOW_PLAN_SHARE = 0.5  # as the service's below_plan alert: more than 50 % short
_CHART_ROUND = 10  # the cumulative chart's values are rounded to this many people


def period_windows(start: dt.datetime, end: dt.datetime) -> list[tuple[dt.datetime, dt.datetime]]:
    """The period cut into 6-hour windows (24-hour ones beyond two days), the last one short
    if the period does not divide; crossings are no finer than 6 h in a report (R3)."""
    step = dt.timedelta(hours=6 if end - start <= dt.timedelta(hours=48) else 24)
    windows, a = [], start
    while a < end:
        windows.append((a, min(a + step, end)))
        a += step
    return windows


def _utc(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%MZ")


def _fig(table: SuppressedTable, row: Hashable, column: Hashable, ref: int) -> Figure:
    """One entry; totals to date (column ``TOTAL``) rounded to the nearest 10: each report's
    exact totals minus the last one's would give a count this report hides."""
    value = float(table.values[(row, column)])
    if (row, column) in table.hidden:
        return Figure(None, (ref,), table.shown(row, column))
    if column == TOTAL:
        return Figure(float(rounded(value)), (ref,))
    return Figure(value, (ref,))


def _status_at(
    changes: list[StatusRecord], moment: dt.datetime, default: CorridorStatus
) -> tuple[CorridorStatus, StatusRecord | None]:
    found = None
    for change in changes:  # sorted by event time
        if change.event_time <= moment:
            found = change
    return (found.status if found else default), found


def _not_open_hours(
    changes: list[StatusRecord], start: dt.datetime, end: dt.datetime, default: CorridorStatus
) -> float:
    status, _ = _status_at(changes, start, default)
    hours, t = 0.0, start
    for change in changes:
        if not start < change.event_time <= end:
            continue
        if status is not CorridorStatus.OPEN:
            hours += (change.event_time - t).total_seconds() / 3600.0
        status, t = change.status, change.event_time
    if status is not CorridorStatus.OPEN:
        hours += (end - t).total_seconds() / 3600.0
    return hours


@dataclass
class _Context:
    record: RecordExtract
    plan: PlanView
    period_start: dt.datetime
    as_of: dt.datetime
    k: int
    source: Sources
    windows: list[tuple[dt.datetime, dt.datetime]]

    def span(self) -> str:
        return f"({_utc(self.period_start)}, {_utc(self.as_of)}]"


def _crossing_tables(ctx: _Context) -> tuple[SuppressedTable, SuppressedTable]:
    """Corridors x (before the period, in the period), and the period's windows (all
    corridors), each with margins and suppression."""
    by_corridor: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    by_window: dict[tuple[Hashable, Hashable], int] = defaultdict(int)
    for (cid, end), people in ctx.record.crossings.items():
        if end <= ctx.period_start:
            by_corridor[(cid, "before")] += people
            continue
        by_corridor[(cid, "period")] += people
        for i, (a, b) in enumerate(ctx.windows):
            if a < end <= b:
                by_window[("all", i)] += people
                break
    rows = [c.id for c in ctx.record.corridors]
    corridor_table = suppress(by_corridor, rows=rows, columns=["before", "period"], k=ctx.k)
    columns = list(range(len(ctx.windows)))
    window_table = suppress(by_window, rows=["all"], columns=columns, k=ctx.k)
    return corridor_table, window_table


def _corridors(ctx: _Context, table: SuppressedTable) -> list[CorridorFigures]:
    s = ctx.source
    span = ctx.span()
    ref_cross = s("record", f"crossing_counts: sum of people over groups, windows ending in {span}")
    ref_date = s("record", f"crossing_counts: sum of people, windows ending by {_utc(ctx.as_of)}")
    ref_plan = s(
        "plan", f"{ctx.plan.label()}: planned crossings per corridor and hour, pro-rated to {span}"
    )
    ref_status = s(
        "record",
        f"corridor_status_changes: latest by event time at or before {_utc(ctx.as_of)} "
        "(none recorded: the plan's status)",
    )
    by_corridor: dict[int, list[StatusRecord]] = defaultdict(list)
    for change in ctx.record.statuses:
        by_corridor[change.corridor_id].append(change)
    rows = []
    for corridor in ctx.record.corridors:
        planned_row = ctx.plan.corridors.get(corridor.code, {})
        default = CorridorStatus(planned_row.get("status", CorridorStatus.OPEN.value))
        changes = by_corridor[corridor.id]
        status, last = _status_at(changes, ctx.as_of, default)
        crossed = _fig(table, corridor.id, "period", ref_cross)
        planned = (
            Figure(ctx.plan.planned(corridor.code, ctx.period_start, ctx.as_of), (ref_plan,))
            if corridor.code in ctx.plan.crossings
            else NO_FIGURE
        )
        rows.append(
            CorridorFigures(
                code=corridor.code,
                name=corridor.name,
                status=status,
                status_since=last.event_time if last else None,
                status_reason=last.reason if last else "",
                status_from_plan=last is None,
                not_open_h=_not_open_hours(changes, ctx.period_start, ctx.as_of, default),
                throughput_pph=planned_row.get("throughput_pph", corridor.planned_throughput_pph),
                crossed=crossed,
                crossed_to_date=_fig(table, corridor.id, TOTAL, ref_date),
                planned=planned,
                share=share_of(crossed, planned),
                status_ref=ref_status,
            )
        )
    return rows


def _windows(ctx: _Context, table: SuppressedTable) -> list[WindowFigures]:
    ref_cross = ctx.source(
        "record", f"crossing_counts: sum of people over corridors, windows ending in {ctx.span()}"
    )
    ref_plan = ctx.source(
        "plan", f"{ctx.plan.label()}: planned crossings per hour, pro-rated to each window"
    )
    return [
        WindowFigures(
            a, b, _fig(table, "all", i, ref_cross), Figure(ctx.plan.planned_all(a, b), (ref_plan,))
        )
        for i, (a, b) in enumerate(ctx.windows)
    ]


def _cumulative(ctx: _Context) -> list[tuple[dt.datetime, float | None, float]]:
    """Recorded and planned people crossed since the plan's start, every 6 h (daily beyond
    ten days); recorded values rounded to 10 and left out below k, so that the chart cannot
    give back a small count."""
    start = min(ctx.plan.start, ctx.period_start)
    span = ctx.as_of - start
    step = dt.timedelta(hours=6 if span <= dt.timedelta(days=10) else 24)
    points = []
    t = start
    while True:
        recorded = float(sum(p for (_, end), p in ctx.record.crossings.items() if end <= t))
        shown = None if recorded < ctx.k else float(round(recorded / _CHART_ROUND) * _CHART_ROUND)
        points.append((t, shown, ctx.plan.planned_all(ctx.plan.start, t)))
        if t >= ctx.as_of:
            break
        t = min(t + step, ctx.as_of)
    return points


def _ledger_in(totals: list[ItemTotal], sector: Sector) -> tuple[float, list[ItemTotal]]:
    """Sum of a sector's items in the sector's unit; the lines in other units apart."""
    unit = _SECTOR_UNIT[sector]
    total, other = 0.0, []
    for line in totals:
        if line.item not in SECTOR_ITEMS[sector]:
            continue
        converted = _TO_SECTOR_UNIT.get(line.unit, (line.unit, 1.0))
        if converted[0] == unit or sector == "shelter":
            total += line.quantity * converted[1]
        else:
            other.append(line)
    return total, other


def _person_days(ctx: _Context, totals: dict[str, Figure]) -> Figure:
    """People in the city over the period: the mean of the estimates at its start and end."""
    inside_end, inside_start = totals["inside"], totals["inside_start"]
    if inside_end.value is None or inside_start.value is None:
        return Figure(None, inside_end.refs)
    days = (ctx.as_of - ctx.period_start).total_seconds() / 86400.0
    return Figure((inside_end.value + inside_start.value) / 2 * days, inside_end.refs)


def _rate_per_person_day(ctx: _Context, sector: Sector) -> tuple[float | None, int | None]:
    """The plan's need per person and day for a sector, and its source."""
    needs = ctx.plan.needs_at_start()
    if not needs or not needs.get("people"):
        return None, None
    people = needs["people"]
    label = ctx.plan.label()
    if sector == "food" and "food_t_per_day" in needs:
        ref = ctx.source("plan", f"{label}: relief needs at start, food t/day ÷ people")
        return needs["food_t_per_day"] / people, ref
    if sector == "water" and "water_m3_per_day" in needs:
        ref = ctx.source("plan", f"{label}: relief needs at start, water m3/day ÷ people")
        return needs["water_m3_per_day"] / people, ref
    if sector == "health":
        row = ctx.plan.commodity("medical_kit", "kit")
        stock = (row or {}).get("stock") or []
        cover = (row or {}).get("cover_days") or []
        if stock and cover and stock[0] and cover[0]:
            ref = ctx.source(
                "plan",
                f"{label}: relief forecast, medical_kit stock ÷ days of cover on the first day "
                "÷ people at start",
            )
            return float(stock[0]) / float(cover[0]) / people, ref
    return None, None


def _sectors(ctx: _Context, totals: dict[str, Figure]) -> list[SectorFigures]:
    s = ctx.source
    ref_dist = s("record", f"stock_entries: distributions in {ctx.span()}, by item")
    ref_recv = s("record", f"deliveries: received in {ctx.span()}, by item")
    person_days = _person_days(ctx, totals)
    rows = []
    for sector in SECTORS:
        distributed, _ = _ledger_in(ctx.record.distributed, sector)
        received, _ = _ledger_in(ctx.record.deliveries, sector)
        dist = Figure(distributed, (ref_dist,))
        if sector == "shelter":
            need = totals["crossed"]  # people arriving, to receive and shelter
        else:
            rate, ref = _rate_per_person_day(ctx, sector)
            need = NO_FIGURE
            if rate is not None and ref is not None and person_days.value is not None:
                need = Figure(rate * person_days.value, (ref, *person_days.refs))
        gap, coverage = NO_FIGURE, NO_FIGURE
        if sector != "shelter" and need.value:
            gap = Figure(max(need.value - distributed, 0.0), need.refs + dist.refs)
            coverage = Figure(distributed / need.value, need.refs + dist.refs)
        rows.append(
            SectorFigures(
                sector=sector,
                unit="people" if sector == "shelter" else _SECTOR_UNIT[sector],
                need=need,
                distributed=dist,
                received=Figure(received, (ref_recv,)),
                gap=gap,
                coverage=coverage,
            )
        )
    return rows


def _stocks(ctx: _Context) -> list[StockFigures]:
    s = ctx.source
    rec = ctx.record
    ref_bal = s(
        "record",
        f"stock_entries: ledger balance at {_utc(ctx.as_of)} (receipts - distributions - "
        "losses, transfers moved), all warehouses",
    )
    ref_rate = s(
        "record",
        f"stock_entries: distributions in the {rec.rate_days} days to {_utc(ctx.as_of)} "
        f"÷ {rec.rate_days}",
    )
    day = ctx.as_of.astimezone(ctx.plan.timezone).date()
    ref_plan = s("plan", f"{ctx.plan.label()}: relief stock forecast, days of cover on {day}")
    balances = {(b.item, b.unit): b.quantity for b in rec.balances}
    keys = sorted(set(balances) | set(rec.rate_per_day))
    rows = []
    for item, unit in keys:
        balance = balances.get((item, unit), 0.0)
        rate = rec.rate_per_day.get((item, unit), 0.0)
        cover = Figure(max(balance, 0.0) / rate, (ref_bal, ref_rate)) if rate > 0 else NO_FIGURE
        plan_cover = ctx.plan.cover_on(item, unit, day)
        commodity = ctx.plan.commodity(item, unit) or {}
        rows.append(
            StockFigures(
                item=item,
                unit=unit,
                balance=Figure(balance, (ref_bal,)),
                rate_per_day=Figure(rate, (ref_rate,)),
                cover_days=cover,
                plan_cover_days=NO_FIGURE
                if plan_cover is None
                else Figure(plan_cover, (ref_plan,)),
                plan_stockout=commodity.get("stockout_date"),
            )
        )
    rows.sort(key=lambda r: (r.cover_days.value is None, r.cover_days.value or 0.0, r.item))
    return rows


def _totals(
    ctx: _Context, corridor_table: SuppressedTable, corridors: list[CorridorFigures]
) -> dict[str, Figure]:
    s = ctx.source
    span = ctx.span()
    ref_cross = s("record", f"crossing_counts: sum of people over groups, windows ending in {span}")
    ref_date = s("record", f"crossing_counts: sum of people, windows ending by {_utc(ctx.as_of)}")
    ref_before = s(
        "record", f"crossing_counts: sum of people, windows ending by {_utc(ctx.period_start)}"
    )
    ref_pop = s("plan", f"{ctx.plan.label()}: people in the city at the plan's start")
    ref_plan = s("plan", f"{ctx.plan.label()}: planned crossings, all corridors, pro-rated")
    crossed = _fig(corridor_table, TOTAL, "period", ref_cross)
    to_date = _fig(corridor_table, TOTAL, TOTAL, ref_date)
    before = _fig(corridor_table, TOTAL, "before", ref_before)
    planned = Figure(ctx.plan.planned_all(ctx.period_start, ctx.as_of), (ref_plan,))
    population = ctx.plan.population

    def inside(done: Figure, ref: int) -> Figure:
        if done.hidden is not None or done.value is None or not population:
            return Figure(None, (ref_pop, ref), done.hidden)
        return Figure(max(population - done.value, 0.0), (ref_pop, ref))

    planned_inside = population - ctx.plan.planned_all(ctx.plan.start, ctx.as_of)
    ref_incidents = s("record", f"incidents: event time in {span}")
    ref_deliveries = s("record", f"deliveries: received in {span}, by item")
    open_now = sum(c.status is CorridorStatus.OPEN for c in corridors)
    status_refs = tuple({c.status_ref for c in corridors})
    return {
        "crossed": crossed,
        "planned": planned,
        "share": share_of(crossed, planned),
        "crossed_to_date": to_date,
        "planned_to_date": Figure(ctx.plan.planned_all(ctx.plan.start, ctx.as_of), (ref_plan,)),
        "population": Figure(population, (ref_pop,)),
        "inside": inside(to_date, ref_date),
        "inside_start": inside(before, ref_before),
        "planned_inside": Figure(max(planned_inside, 0.0), (ref_pop, ref_plan)),
        "corridors_open": Figure(float(open_now), status_refs),
        "corridors": Figure(float(len(corridors)), status_refs),
        "incidents": Figure(float(len(ctx.record.incidents)), (ref_incidents,)),
        "high_incidents": Figure(
            float(sum(i.severity in ("high", "critical") for i in ctx.record.incidents)),
            (ref_incidents,),
        ),
        "deliveries": Figure(float(sum(d.count for d in ctx.record.deliveries)), (ref_deliveries,)),
        "trucks": Figure(float(sum(d.trucks for d in ctx.record.deliveries)), (ref_deliveries,)),
    }


def _gaps(
    corridors: list[CorridorFigures], sectors: list[SectorFigures], stocks: list[StockFigures]
) -> list[Gap]:
    gaps: list[Gap] = []
    for row in sectors:
        if row.gap.value and row.coverage.value is not None and row.coverage.value < 1.0:
            values: dict[str, float | str] = {
                "need": row.need.value or 0.0,
                "distributed": row.distributed.value or 0.0,
                "gap": row.gap.value,
                "coverage": row.coverage.value,
                "unit": row.unit,
            }
            gaps.append(Gap("sector", row.sector, values, row.gap.refs))
    for c in corridors:
        if c.status is not CorridorStatus.OPEN:
            values = {"status": c.status.value, "reason": c.status_reason}
            gaps.append(Gap("not_open", c.code, values, (c.status_ref,)))
        elif c.not_open_h > 0:
            gaps.append(Gap("was_not_open", c.code, {"hours": c.not_open_h}, (c.status_ref,)))
        if c.share.value is not None and c.share.value < BELOW_PLAN_SHARE:
            values = {"share": c.share.value, "planned": c.planned.value or 0.0}
            gaps.append(Gap("below_plan", c.code, values, c.share.refs))
    for stock in stocks:
        if stock.cover_days.value is not None and stock.cover_days.value < LOW_COVER_DAYS:
            values = {"days": stock.cover_days.value, "unit": stock.unit}
            gaps.append(Gap("low_cover", stock.item, values, stock.cover_days.refs))
    return gaps


def default_number(plan: PlanView, as_of: dt.datetime, period_hours: float) -> int:
    """Report number: the periods from the plan's start to ``as_of`` (the first is No. 1)."""
    elapsed_h = (as_of - plan.start).total_seconds() / 3600.0
    return max(1, math.ceil(elapsed_h / period_hours - 1e-9))


def gather_figures(
    record: RecordExtract,
    plan: PlanView,
    *,
    operation_code: str,
    operation_name: str,
    period_start: dt.datetime,
    as_of: dt.datetime,
    number: int,
    k: int = 5,
) -> SitrepFigures:
    """All figures of the sitrep for ``(period_start, as_of]``, with their sources."""
    ctx = _Context(
        record, plan, period_start, as_of, k, Sources(), period_windows(period_start, as_of)
    )
    corridor_table, window_table = _crossing_tables(ctx)
    corridors = _corridors(ctx, corridor_table)
    windows = _windows(ctx, window_table)
    totals = _totals(ctx, corridor_table, corridors)
    sectors = _sectors(ctx, totals)
    stocks = _stocks(ctx)
    codes = {c.id: c.code for c in record.corridors}
    changes = [
        StatusChange(c.event_time, codes.get(c.corridor_id, "?"), c.status, c.reason)
        for c in record.statuses
        if period_start < c.event_time <= as_of
    ]
    incidents = [
        IncidentRow(i.event_time, i.type, i.severity, codes.get(i.corridor_id or -1))
        for i in record.incidents
    ]
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for incident in record.incidents:
        counts[(incident.type, incident.severity)] += 1
    return SitrepFigures(
        operation_code=operation_code,
        operation_name=operation_name,
        classification=record.classification,
        number=number,
        as_of=as_of,
        period_start=period_start,
        next_report=as_of + (as_of - period_start),
        plan=plan,
        k=k,
        corridors=corridors,
        windows=windows,
        totals=totals,
        cumulative=_cumulative(ctx),
        status_changes=changes,
        sectors=sectors,
        stocks=stocks,
        deliveries=record.deliveries,
        incidents=incidents,
        incident_counts=dict(counts),
        gaps=_gaps(corridors, sectors, stocks),
        sources=ctx.source.items,
    )
