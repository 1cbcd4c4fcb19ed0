"""``safepassage map``: one self-contained HTML file (plotly.js and the data inline).

Everything is drawn as plain Plotly scatter traces in lon/lat, the x axis scaled by cos(latitude)
so that distances look right: no tiles, no tile server, no CDN, no font service. The file opens
from a USB stick on a machine that has never been online.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go  # type: ignore[import-untyped]
from plotly.colors import sample_colorscale  # type: ignore[import-untyped]

from safepassage import OSM_ATTRIBUTION
from safepassage.io.atomic import write_text_atomic
from safepassage.io.prepare import PreparedScenario
from safepassage.model.scenario import CorridorStatus
from safepassage.reports.i18n import Lang, status_label, text, windows_text
from safepassage.reports.map_layers import (
    area_shapes,
    hazard_shapes,
    join_lines,
    street_lines,
)
from safepassage.reports.plan_input import PlanInput
from safepassage.reports.templating import render_template

__all__ = ["SHORT_ATTRIBUTION", "map_figure", "map_html", "write_map"]

SHORT_ATTRIBUTION = "© OpenStreetMap contributors (ODbL)"
STATUS_COLOURS = {
    CorridorStatus.OPEN: "#1a9850",
    CorridorStatus.SUSPENDED: "#f46d43",
    CorridorStatus.CLOSED: "#a50026",
}
ROUTE_COLOURS = ("#7b3294", "#e66101", "#0571b0", "#008837", "#c51b7d", "#5e3c99", "#b35806")
_SHADES = 8  # classes of the districts' shading
_FONT = '"Noto Naskh Arabic", "Noto Sans", "DejaVu Sans", sans-serif'
_PLOTLY_CONFIG = {
    "displaylogo": False,
    "showSendToCloud": False,
    "scrollZoom": True,
    "responsive": True,
}


def _fmt(value: float) -> str:
    return f"{value:,.0f}"


def _street_traces(prepared: PreparedScenario, lang: Lang) -> list[go.Scatter]:
    network = prepared.network
    streets, _ = street_lines(network)
    traces = [
        go.Scatter(
            x=streets.lon,
            y=streets.lat,
            mode="lines",
            name=text(lang, "streets"),
            line={"color": "#9a9a9a", "width": 0.6},
            hoverinfo="skip",
        )
    ]
    closed, _ = street_lines(network, closed=True)
    if closed.vertices:
        traces.append(
            go.Scatter(
                x=closed.lon,
                y=closed.lat,
                mode="lines",
                name=text(lang, "closed_streets"),
                line={"color": "#d73027", "width": 1.2, "dash": "dot"},
                hoverinfo="skip",
            )
        )
    return traces


def _district_traces(prepared: PreparedScenario, lang: Lang) -> list[go.Scatter]:
    shapes = area_shapes(prepared)
    if not shapes:
        return []
    top = max(s.people for s in shapes)
    # one filled trace per shade, not per district: a browser draws 8 traces much faster than
    # Coquimbo's 133 (the exact figure is on each district's hover dot)
    shade = [min(_SHADES - 1, int(_SHADES * s.people / top)) for s in shapes]
    traces = []
    for k in sorted(set(shade)):
        outline = join_lines(
            [
                np.column_stack([s.outline.lon, s.outline.lat])
                for s, c in zip(shapes, shade, strict=True)
                if c == k
            ]
        )
        colour = sample_colorscale("Blues", [0.1 + 0.7 * (k + 0.5) / _SHADES])[0]
        fill = colour.replace("rgb(", "rgba(").replace(")", ", 0.45)")
        traces.append(
            go.Scatter(
                x=outline.lon,
                y=outline.lat,
                mode="lines",
                fill="toself",
                fillcolor=fill,
                line={"color": colour, "width": 0.8},
                hoverinfo="skip",
                showlegend=False,
                legendgroup="districts",
            )
        )
    hover = [f"{s.name}: {_fmt(s.people)} {text(lang, 'people')}" for s in shapes]
    traces.append(
        go.Scatter(
            x=[s.centre[0] for s in shapes],
            y=[s.centre[1] for s in shapes],
            mode="markers",
            name=text(lang, "districts"),
            legendgroup="districts",
            hovertext=hover,
            hoverinfo="text",
            marker={
                "size": 7,
                "color": [s.people for s in shapes],
                "colorscale": "Blues",
                "cmin": 0,
                "cmax": top,
                "line": {"width": 0.5, "color": "#333"},
                "colorbar": {"title": {"text": text(lang, "people")}, "thickness": 12, "len": 0.5},
            },
        )
    )
    return traces


def _hazard_traces(prepared: PreparedScenario, lang: Lang) -> list[go.Scatter]:
    traces = []
    for i, shape in enumerate(hazard_shapes(prepared.scenario.hazards)):
        label = shape.hazard.name or shape.hazard.id
        traces.append(
            go.Scatter(
                x=shape.outline.lon,
                y=shape.outline.lat,
                mode="lines",
                fill="toself",
                fillcolor="rgba(215, 48, 39, 0.25)",
                line={"color": "#d73027", "width": 1},
                name=text(lang, "hazards"),
                legendgroup="hazards",
                showlegend=i == 0,
                hoveron="fills",
                hoverinfo="text",
                hovertext=f"{label} ({shape.hazard.effect})",
            )
        )
    return traces


def _route_traces(plan: PlanInput, prepared: PreparedScenario, lang: Lang) -> list[go.Scatter]:
    names = {c.id: c.name for c in prepared.scenario.corridors}
    traces = []
    for k, corridor in enumerate(c.id for c in prepared.scenario.corridors):
        routes = [r for r in plan.routes if r.corridor == corridor and r.people > 0]
        if not routes:
            continue
        colour = ROUTE_COLOURS[k % len(ROUTE_COLOURS)]
        lines = join_lines([np.asarray(r.lonlat, dtype=np.float64) for r in routes])
        label = text(lang, "routes_to", name=names[corridor])
        traces.append(
            go.Scatter(
                x=lines.lon,
                y=lines.lat,
                mode="lines",
                name=label,
                legendgroup=corridor,
                line={"color": colour, "width": 2.5},
                opacity=0.8,
                hoverinfo="skip",
            )
        )
        middles = [r.lonlat[len(r.lonlat) // 2] for r in routes]
        hover = [
            text(
                lang,
                "route_hover",
                area=r.area,
                corridor=names[corridor],
                people=_fmt(r.people),
                km=f"{r.length_m / 1000:.1f}",
            )
            for r in routes
        ]
        traces.append(
            go.Scatter(
                x=[m[0] for m in middles],
                y=[m[1] for m in middles],
                mode="markers",
                marker={"size": 5, "color": colour},
                hovertext=hover,
                hoverinfo="text",
                legendgroup=corridor,
                showlegend=False,
            )
        )
    return traces


def _corridor_hover(prepared: PreparedScenario, plan: PlanInput | None, lang: Lang) -> list[str]:
    people = plan.corridor_people() if plan else {}
    rows = []
    for c in prepared.scenario.corridors:
        parts = [
            f"<b>{c.name}</b> ({c.id}): {status_label(lang, c.status)}",
            text(lang, "throughput", value=_fmt(c.throughput_pph)),
            text(lang, "hours", value=windows_text(c, lang)),
        ]
        if c.id in people:
            parts.append(text(lang, "planned", value=_fmt(people[c.id])))
        parts += [f"{text(lang, s.kind)}: {s.name}" for s in c.services]
        rows.append("<br>".join(parts))
    return rows


def _point_traces(prepared: PreparedScenario, plan: PlanInput | None, lang: Lang) -> list[Any]:
    corridors = prepared.scenario.corridors
    services = [(c, s) for c in corridors for s in c.services if s.lon is not None]
    traces: list[Any] = []
    if services:
        traces.append(
            go.Scatter(
                x=[s.lon for _, s in services],
                y=[s.lat for _, s in services],
                mode="markers",
                name=text(lang, "services"),
                marker={
                    "symbol": [
                        "cross" if s.kind == "medical_post" else "diamond" for _, s in services
                    ],
                    "size": 11,
                    "color": "#2c7bb6",
                    "line": {"width": 1, "color": "white"},
                },
                hovertext=[f"{text(lang, s.kind)}: {s.name} ({c.name})" for c, s in services],
                hoverinfo="text",
            )
        )
    traces.append(
        go.Scatter(
            x=[c.lon for c in corridors],
            y=[c.lat for c in corridors],
            mode="markers+text",
            name=text(lang, "corridors"),
            text=[f"{c.name}<br>{_fmt(c.throughput_pph)}/h" for c in corridors],
            textposition="top center",
            textfont={"size": 12, "color": "#111"},
            marker={
                "symbol": "square",
                "size": 15,
                "line": {"width": 2, "color": "white"},
                "color": [STATUS_COLOURS[c.status] for c in corridors],
            },
            hovertext=_corridor_hover(prepared, plan, lang),
            hoverinfo="text",
        )
    )
    return traces


def map_figure(prepared: PreparedScenario, plan: PlanInput | None, *, lang: Lang) -> go.Figure:
    """The map as a Plotly figure (lon/lat, x scaled by cos(latitude))."""
    traces = _district_traces(prepared, lang) + _street_traces(prepared, lang)
    traces += _hazard_traces(prepared, lang)
    if plan is not None:
        traces += _route_traces(plan, prepared, lang)
    traces += _point_traces(prepared, plan, lang)
    figure = go.Figure(traces)
    mid_lat = float(np.nanmean(prepared.network.lat))
    figure.update_layout(
        font={"family": _FONT},
        plot_bgcolor="#fbfbf8",
        paper_bgcolor="white",
        hovermode="closest",
        dragmode="pan",
        margin={"l": 10, "r": 10, "t": 10, "b": 90},
        height=820,
        legend={
            "orientation": "h",
            "x": 0,
            "y": 0,
            "yanchor": "top",
            "bgcolor": "rgba(255,255,255,0.85)",
        },
        xaxis={"visible": False, "scaleanchor": "y", "scaleratio": math.cos(math.radians(mid_lat))},
        yaxis={"visible": False},
        annotations=[
            {
                "text": SHORT_ATTRIBUTION,
                "xref": "paper",
                "yref": "paper",
                "x": 1,
                "y": 0,
                "xanchor": "right",
                "yanchor": "bottom",
                "showarrow": False,
                "font": {"size": 11, "color": "#333"},
                "bgcolor": "rgba(255,255,255,0.8)",
            }
        ],
    )
    return figure


def map_html(prepared: PreparedScenario, plan: PlanInput | None, *, lang: Lang) -> str:
    """The whole page: header, the map with plotly.js inline, attribution."""
    figure = map_figure(prepared, plan, lang=lang)
    plot = figure.to_html(
        full_html=False, include_plotlyjs=True, config=_PLOTLY_CONFIG, div_id="safepassage-map"
    )
    clearance = plan.summary.get("clearance_time") if plan else None
    return render_template(
        "map.html.j2",
        lang=lang,
        dir="rtl" if lang == "ar" else "ltr",
        title=text(lang, "map_title"),
        scenario_label=text(lang, "scenario"),
        scenario_name=prepared.scenario.name,
        restricted=text(lang, "restricted"),
        note=text(lang, "map_note") if plan else text(lang, "no_plan"),
        clearance=text(lang, "plan_clearance", value="").strip() if clearance else "",
        clearance_time=str(clearance or "").replace("T", " ")[:16],
        plot=plot,
        attribution=OSM_ATTRIBUTION,
    )


def write_map(
    prepared: PreparedScenario, plan: PlanInput | None, out: Path, *, lang: Lang = "en"
) -> int:
    """Write the map to ``out`` (whole or not at all); returns its size in bytes."""
    page = map_html(prepared, plan, lang=lang)
    write_text_atomic(out, page)
    return len(page.encode("utf-8"))
