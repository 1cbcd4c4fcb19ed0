"""``safepassage sitrep``: a situation report (PDF) from the operations record and the plan.

It follows the layout of an OCHA situation report (reference, section 3.2): the report number,
"as of" date, period covered and next report date; highlights and key figures; a situation
overview; corridors and crossings against the plan with a map and charts; needs and response
by sector; gaps; stocks and days of cover; incidents; and the sources of every figure. It is
rendered from ``templates/sitrep.html.j2`` by Debian's chromium (``reports/pdf.py``), in
English or Arabic (right to left).

The database is only read (one read-only transaction). Counts of people are suppressed as in
the public exports; the report carries the classification of the strictest table it reads.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup
from sqlalchemy import inspect

from safepassage import OSM_ATTRIBUTION
from safepassage.errors import DataError, SafepassageError, StorageError
from safepassage.reports.i18n import (
    Lang,
    incident_label,
    item_label,
    severity_label,
    status_label,
    text,
)
from safepassage.reports.pdf import PdfRenderer
from safepassage.reports.plan_bundle import check_bundle
from safepassage.reports.sitrep_charts import Bar, bars_svg, cumulative_svg
from safepassage.reports.sitrep_figures import LOW_COVER_DAYS, default_number, gather_figures
from safepassage.reports.sitrep_map import STATUS_COLOURS, sitrep_map_svg
from safepassage.reports.sitrep_model import Figure, Gap, SitrepFigures
from safepassage.reports.sitrep_plan import plan_view
from safepassage.reports.sitrep_record import find_operation, latest_event, read_record
from safepassage.reports.templating import render_template
from safepassage.storage import Database
from safepassage.storage.plan_bundles import latest_plan_row
from safepassage.storage.types import utc_now

__all__ = ["PERIOD_HOURS", "SitrepRequest", "gather_sitrep", "sitrep_html", "write_sitrep"]

PERIOD_HOURS = (6.0, 24.0 * 31)  # shortest and longest period a report may cover
_LRI, _PDI, _FSI = "\u2066", "\u2069", "\u2068"
_MAX_INCIDENT_ROWS = 40
_FONTS: dict[Lang, str] = {
    "en": '"Noto Sans", "DejaVu Sans", sans-serif',
    "ar": '"Noto Naskh Arabic", "Noto Sans Arabic", "Noto Sans", "DejaVu Sans", sans-serif',
}
_BANNER_COLOURS = {"public": "#1a6b32", "restricted": "#b00000", "sensitive": "#6a0dad"}


def _css_string(value: str) -> Markup:
    """``value`` as a quoted CSS string, safe inside a <style> element."""
    escaped = "".join(f"\\{ord(ch):x} " if ch in '"\\<>\n' else ch for ch in value)
    return Markup(f'"{escaped}"')


@dataclass(frozen=True)
class SitrepRequest:
    """What to report: the operation (code or id), the end of the period and its length."""

    operation: str
    as_of: dt.datetime | None = None  # naive: in the plan's time zone; None: latest record
    period_hours: float = 24.0
    number: int | None = None  # None: periods since the plan's start
    k: int = 5


def _check(request: SitrepRequest) -> None:
    lo, hi = PERIOD_HOURS
    if not lo <= request.period_hours <= hi:
        msg = f"--period-hours {request.period_hours:g}: use {lo:g} to {hi:g} hours"
        raise SafepassageError(msg)
    if request.number is not None and request.number < 1:
        raise SafepassageError(f"--number {request.number}: report numbers start at 1")


def _ceil_hour(moment: dt.datetime) -> dt.datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    return floor if floor == moment else floor + dt.timedelta(hours=1)


def gather_sitrep(database: Database, request: SitrepRequest) -> SitrepFigures:
    """Read the record and the latest published plan; the figures of the report.

    Raises
    ------
    StorageError
        No such operation, or the database lacks the plan table (not migrated).
    DataError
        No plan has been published for the operation, or the bundle is unreadable.
    """
    _check(request)
    if not inspect(database.engine).has_table("plan_bundles"):
        msg = "the database has no plan_bundles table; run `safepassage serve` once to migrate it"
        raise StorageError(msg)
    with database.read() as session:
        operation = find_operation(session, request.operation)
        row = latest_plan_row(session, operation)
        if row is None:
            msg = (
                f"operation {operation.code!r} has no published plan; publish one with "
                "`safepassage operations publish` first"
            )
            raise DataError(msg)
        plan = plan_view(check_bundle(row.bundle), bundle_id=row.id, published_at=row.published_at)
        as_of = request.as_of
        if as_of is None:
            latest = latest_event(session, operation)
            as_of = _ceil_hour(latest) if latest is not None else utc_now()
        elif as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=plan.timezone)
        as_of = as_of.astimezone(dt.UTC)
        period_start = as_of - dt.timedelta(hours=request.period_hours)
        record = read_record(session, operation, period_start=period_start, as_of=as_of)
        return gather_figures(
            record,
            plan,
            operation_code=operation.code,
            operation_name=operation.name,
            period_start=period_start,
            as_of=as_of,
            number=request.number or default_number(plan, as_of, request.period_hours),
            k=request.k,
        )


class _Format:
    """Numbers, times and names for one language (Western digits in both)."""

    def __init__(self, lang: Lang, timezone: dt.tzinfo) -> None:
        self.lang = lang
        self.tz = timezone

    def ltr(self, value: str) -> str:
        """Keep a time, a range or "<5" in one left-to-right piece inside Arabic."""
        return f"{_LRI}{value}{_PDI}" if self.lang == "ar" else value

    def name(self, value: str) -> str:
        """A name from the scenario or the record, isolated from an Arabic sentence."""
        return f"{_FSI}{value}{_PDI}" if self.lang == "ar" else value

    def time(self, moment: dt.datetime | None) -> str:
        if moment is None:
            return ""
        return self.ltr(f"{moment.astimezone(self.tz):%Y-%m-%d %H:%M}")

    def count(self, figure: Figure) -> str:
        if figure.hidden is not None:
            return self.ltr(figure.hidden)
        if figure.value is None:
            return text(self.lang, "not_available")
        return f"{figure.value:,.0f}"

    def quantity(self, figure: Figure) -> str:
        if figure.hidden is not None:
            return self.ltr(figure.hidden)
        if figure.value is None:
            return text(self.lang, "not_available")
        value = figure.value
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.1f}"

    def share(self, figure: Figure) -> str:
        if figure.hidden is not None:
            return self.ltr(figure.hidden)
        if figure.value is None:
            return text(self.lang, "not_available")
        return f"{figure.value:.0%}"

    def unit(self, unit: str) -> str:
        key = f"unit_{unit}"
        try:
            return text(self.lang, key)
        except KeyError:
            return unit

    @staticmethod
    def refs(*figures: Figure) -> str:
        refs = sorted({r for f in figures for r in f.refs})
        return f"[{','.join(map(str, refs))}]" if refs else ""


def _highlights(f: SitrepFigures, fmt: _Format) -> list[str]:
    lang, t = fmt.lang, f.totals
    hours = f"{f.period_hours:g}"
    values = {
        "crossed": fmt.count(t["crossed"]),
        "planned": fmt.count(t["planned"]),
        "share": fmt.share(t["share"]),
        "hours": hours,
    }
    key = "h_crossed" if t["share"].value is not None else "h_crossed_plain"
    lines = [text(lang, key, **values)]
    lines.append(
        text(
            lang,
            "h_corridors",
            open=fmt.count(t["corridors_open"]),
            total=fmt.count(t["corridors"]),
        )
    )
    for corridor in sorted(f.corridors, key=lambda c: -c.not_open_h)[:2]:
        if corridor.not_open_h > 0:
            lines.append(
                text(
                    lang,
                    "h_not_open",
                    corridor=fmt.name(corridor.name),
                    hours=f"{corridor.not_open_h:.0f}",
                )
            )
    if t["incidents"].value:
        lines.append(
            text(
                lang,
                "h_incidents",
                n=fmt.count(t["incidents"]),
                high=fmt.count(t["high_incidents"]),
            )
        )
    lowest = next((s for s in f.stocks if s.cover_days.value is not None), None)
    if lowest is not None and lowest.cover_days.value is not None:
        lines.append(
            text(
                lang,
                "h_stock",
                item=item_label(lang, lowest.item),
                days=f"{lowest.cover_days.value:.1f}",
            )
        )
    return lines[:5]


def _key_figures(f: SitrepFigures, fmt: _Format) -> list[dict[str, str]]:
    lang, t = fmt.lang, f.totals
    boxes = [
        {
            "value": fmt.count(t["crossed"]),
            "label": text(lang, "kf_crossed"),
            "note": text(
                lang, "kf_planned", share=fmt.share(t["share"]), planned=fmt.count(t["planned"])
            )
            if t["share"].value is not None or t["share"].hidden is not None
            else "",
            "refs": fmt.refs(t["crossed"], t["planned"]),
        },
    ]
    boxes += [
        {
            "value": fmt.count(t[key]),
            "label": text(lang, label, total=fmt.count(t["corridors"])),
            "note": "",
            "refs": fmt.refs(t[key]),
        }
        for key, label in (
            ("crossed_to_date", "kf_to_date"),
            ("inside", "kf_inside"),
            ("corridors_open", "kf_corridors"),
            ("incidents", "kf_incidents"),
            ("trucks", "kf_trucks"),
        )
    ]
    return boxes


def _overview(f: SitrepFigures, fmt: _Format) -> list[str]:
    lang, t = fmt.lang, f.totals
    lines = [
        text(lang, "ov_population", population=fmt.count(t["population"])),
        text(
            lang,
            "ov_crossed",
            as_of=fmt.time(f.as_of),
            to_date=fmt.count(t["crossed_to_date"]),
            planned=fmt.count(t["planned_to_date"]),
        ),
        text(
            lang, "ov_inside", inside=fmt.count(t["inside"]), planned=fmt.count(t["planned_inside"])
        ),
    ]
    clearance = f.plan.clearance()
    if clearance:
        try:
            when = fmt.time(dt.datetime.fromisoformat(clearance))
        except ValueError:
            when = fmt.ltr(clearance)
        lines.append(text(lang, "ov_clearance", value=when))
    lines.append(text(lang, "ov_voluntary"))
    return lines


def _corridor_rows(f: SitrepFigures, fmt: _Format) -> list[dict[str, Any]]:
    lang = fmt.lang
    rows = []
    for c in f.corridors:
        status = status_label(lang, c.status)
        if c.status_from_plan:
            status += " " + text(lang, "status_plan")
        rows.append(
            {
                "name": c.name,
                "code": c.code,
                "colour": STATUS_COLOURS[c.status],
                "status": status,
                "since": fmt.time(c.status_since),
                "crossed": fmt.count(c.crossed),
                "planned": fmt.count(c.planned),
                "share": fmt.share(c.share),
                "to_date": fmt.count(c.crossed_to_date),
                "not_open": f"{c.not_open_h:.0f}" if c.not_open_h else "0",
                "throughput": f"{c.throughput_pph:,.0f}" if c.throughput_pph else "",
            }
        )
    return rows


def _gap_line(gap: Gap, f: SitrepFigures, fmt: _Format) -> str:
    lang, v = fmt.lang, gap.values
    names = {c.code: c.name for c in f.corridors}
    corridor = fmt.name(names.get(gap.subject, gap.subject))
    if gap.kind == "sector":
        unit = fmt.unit(str(v["unit"]))
        return text(
            lang,
            "gap_sector",
            sector=text(lang, f"sector_{gap.subject}"),
            distributed=fmt.quantity(Figure(float(v["distributed"]))),
            need=fmt.quantity(Figure(float(v["need"]))),
            unit=unit,
            coverage=f"{float(v['coverage']):.0%}",
            gap=fmt.quantity(Figure(float(v["gap"]))),
        )
    if gap.kind == "not_open":
        from safepassage.model.scenario import CorridorStatus

        reason = fmt.name(str(v["reason"])) if v["reason"] else text(lang, "not_available")
        return text(
            lang,
            "gap_not_open",
            corridor=corridor,
            status=status_label(lang, CorridorStatus(str(v["status"]))),
            reason=reason,
        )
    if gap.kind == "was_not_open":
        return text(lang, "gap_was_not_open", corridor=corridor, hours=f"{float(v['hours']):.0f}")
    if gap.kind == "below_plan":
        return text(lang, "gap_below_plan", corridor=corridor, share=f"{float(v['share']):.0%}")
    return text(
        lang,
        "gap_low_cover",
        item=item_label(lang, gap.subject),
        days=f"{float(v['days']):.1f}",
        threshold=f"{LOW_COVER_DAYS:g}",
    )


def _charts(f: SitrepFigures, fmt: _Format) -> list[str]:
    lang = fmt.lang
    step_h = (f.windows[0].end - f.windows[0].start).total_seconds() / 3600 if f.windows else 6
    bars = [
        Bar(
            label=f"{w.start.astimezone(fmt.tz):%d %H:%M}",
            planned=w.planned.value or 0.0,
            recorded=w.crossed.value if w.crossed.shown else None,
            hidden=w.crossed.hidden,
        )
        for w in f.windows
    ]
    common = {
        "recorded_label": text(lang, "recorded"),
        "planned_label": text(lang, "planned_label"),
        "axis_label": text(lang, "axis_people"),
    }
    return [
        bars_svg(bars, title=text(lang, "chart_windows", hours=f"{step_h:g}"), **common),
        cumulative_svg(
            f.cumulative, title=text(lang, "chart_cumulative"), timezone=fmt.tz, **common
        ),
    ]


def _tables(f: SitrepFigures, fmt: _Format) -> dict[str, Any]:
    lang = fmt.lang
    return {
        "windows": [
            {
                "span": fmt.ltr(
                    f"{w.start.astimezone(fmt.tz):%m-%d %H:%M}–{w.end.astimezone(fmt.tz):%H:%M}"
                ),
                "planned": fmt.count(w.planned),
                "crossed": fmt.count(w.crossed),
            }
            for w in f.windows
        ],
        "changes": [
            {
                "at": fmt.time(c.at),
                "corridor": c.corridor,
                "status": status_label(lang, c.status),
                "reason": c.reason,
            }
            for c in f.status_changes
        ],
        "sectors": [
            {
                "sector": text(lang, f"sector_{s.sector}"),
                "unit": fmt.unit(s.unit),
                "need": fmt.quantity(s.need),
                "distributed": fmt.quantity(s.distributed),
                "received": fmt.quantity(s.received),
                "gap": fmt.quantity(s.gap) if s.gap.value is not None else "",
                "coverage": fmt.share(s.coverage) if s.coverage.value is not None else "",
                "refs": fmt.refs(s.need, s.distributed, s.received),
            }
            for s in f.sectors
        ],
        "stocks": [
            {
                "item": item_label(lang, s.item),
                "unit": fmt.unit(s.unit),
                "balance": fmt.quantity(s.balance),
                "rate": fmt.quantity(s.rate_per_day),
                "cover": fmt.quantity(s.cover_days) if s.cover_days.value is not None else "",
                "plan_cover": fmt.quantity(s.plan_cover_days)
                if s.plan_cover_days.value is not None
                else "",
                "stockout": fmt.ltr(s.plan_stockout) if s.plan_stockout else "",
                "low": s.cover_days.value is not None and s.cover_days.value < LOW_COVER_DAYS,
            }
            for s in f.stocks
        ],
        "deliveries": [
            {
                "item": item_label(lang, d.item),
                "quantity": fmt.quantity(Figure(d.quantity)),
                "unit": fmt.unit(d.unit),
                "count": f"{d.count:,}",
                "trucks": f"{d.trucks:,}",
            }
            for d in f.deliveries
        ],
        "incidents": [
            {
                "at": fmt.time(i.at),
                "type": incident_label(lang, i.type),
                "severity": severity_label(lang, i.severity),
                "corridor": i.corridor or "",
            }
            for i in f.incidents[:_MAX_INCIDENT_ROWS]
        ],
        "incidents_more": max(0, len(f.incidents) - _MAX_INCIDENT_ROWS),
    }


def _refs_of(f: SitrepFigures, fmt: _Format) -> dict[str, str]:
    t = f.totals
    first = f.corridors[0] if f.corridors else None
    windows = f.windows[0] if f.windows else None
    stock = f.stocks[0] if f.stocks else None
    return {
        "status": fmt.refs(Figure(None, (first.status_ref,))) if first else "",
        "crossed": fmt.refs(first.crossed) if first else "",
        "planned": fmt.refs(first.planned) if first else "",
        "to_date": fmt.refs(first.crossed_to_date) if first else "",
        "total": fmt.refs(t["crossed"], t["planned"], t["crossed_to_date"]),
        "windows": fmt.refs(windows.crossed, windows.planned) if windows else "",
        "stock_balance": fmt.refs(stock.balance) if stock else "",
        "stock_rate": fmt.refs(stock.rate_per_day) if stock else "",
        "stock_plan": fmt.refs(stock.plan_cover_days) if stock else "",
        "incidents": fmt.refs(t["incidents"]),
        "deliveries": fmt.refs(t["deliveries"]),
    }


def sitrep_html(figures: SitrepFigures, *, lang: Lang) -> str:
    """The whole report as one HTML page (everything inline: CSS, SVG map and charts)."""
    f = figures
    fmt = _Format(lang, f.plan.timezone)
    statuses = {c.code: c.status for c in f.corridors}
    t = f.totals
    banner = text(lang, f"class_{f.classification.value}", code=fmt.name(f.operation_code))
    title_short = text(lang, "sitrep_title", name="", number=f.number).lstrip(": ")
    context: dict[str, Any] = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "title": text(lang, "sitrep_title", name=fmt.name(f.operation_name), number=f.number),
        "as_of": text(lang, "sitrep_as_of", value=fmt.time(f.as_of)),
        "covers": text(
            lang,
            "sitrep_covers",
            a=fmt.time(f.period_start),
            b=fmt.time(f.as_of),
            next=fmt.time(f.next_report),
        ),
        "classification": f.classification.value,
        "banner": banner,
        "banner_css": _css_string(banner),
        "banner_colour": Markup(_BANNER_COLOURS[f.classification.value]),
        "footer_css": _css_string(f"safepassage · {f.operation_code} · {title_short}"),
        "font_css": Markup(_FONTS[lang]),
        "highlights": _highlights(f, fmt),
        "key_figures": _key_figures(f, fmt),
        "overview": _overview(f, fmt),
        "map_svg": sitrep_map_svg(
            f.plan.bundle,
            statuses,
            north_label=text(lang, "north"),
            metre_label="m" if lang == "en" else "م",
        ),
        "charts": _charts(f, fmt),
        "corridors": _corridor_rows(f, fmt),
        "total": {
            "crossed": fmt.count(t["crossed"]),
            "planned": fmt.count(t["planned"]),
            "share": fmt.share(t["share"]),
            "to_date": fmt.count(t["crossed_to_date"]),
        },
        "gaps": [_gap_line(g, f, fmt) for g in f.gaps],
        "sources": [
            {"ref": s.ref, "origin": text(lang, f"origin_{s.origin}"), "text": s.text}
            for s in f.sources
        ],
        "refs": _refs_of(f, fmt),
        "status_colours": {status_label(lang, s): colour for s, colour in STATUS_COLOURS.items()},
        "suppression": text(lang, "suppression_note", small=f.k - 1, k=f.k),
        "generated": text(lang, "generated", value=fmt.time(utc_now())),
        "attribution": str(f.plan.bundle.get("attribution") or OSM_ATTRIBUTION),
        "t": _Labels(lang),
        **_tables(f, fmt),
    }
    return render_template("sitrep.html.j2", **context)


class _Labels:
    """``t.key`` in the template: the wording of ``key`` in the report's language."""

    def __init__(self, lang: Lang) -> None:
        self._lang = lang

    def __getattr__(self, key: str) -> str:
        return text(self._lang, key)


def write_sitrep(figures: SitrepFigures, out: Path, *, lang: Lang) -> Path:
    """Render the report to ``out`` (A4 PDF, whole or not at all).

    The page (map, charts) is made in a thread while chromium starts: about a second saved.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        page = pool.submit(sitrep_html, figures, lang=lang)
        with PdfRenderer() as renderer:
            return renderer.render(page.result(), out, page_format="A4")
