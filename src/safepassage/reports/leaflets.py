"""``safepassage leaflets``: one printable A5 PDF per district and language for residents.

What a leaflet says, and what it leaves out (do no harm; ``docs/reports.md``):

- the corridor the plan sends most of the district's people to, its opening hours, the walking
  route on a small map with its length and walking time, where the medical post and food point
  are (at the corridor, or their distance and direction from it), what to bring, and what to do
  if the corridor is closed (the plan's other corridor for the district, else the nearest other
  open one the same people may use);
- that leaving is voluntary: the plan is options, not orders;
- never a number of people, a departure time, a gathering point before the corridor, or
  anything about who is leaving: a leaflet can be read by anyone.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from safepassage import OSM_ATTRIBUTION
from safepassage.io.prepare import PreparedScenario
from safepassage.model.scenario import Corridor, CorridorStatus, Scenario
from safepassage.reports.i18n import Lang, direction, group_label, text, windows_text
from safepassage.reports.leaflet_map_svg import MapPoint, route_map_svg
from safepassage.reports.pdf import PdfRenderer
from safepassage.reports.plan_input import PlanInput, RouteFeature
from safepassage.reports.templating import render_template

__all__ = ["LeafletChoice", "leaflet_choices", "leaflet_html", "write_leaflets"]

_M_PER_DEG = 111_195.0  # mean metres per degree of latitude (spherical Earth, R = 6371 km)
_SERVICE_KINDS = ("medical_post", "food_point")


def _isolated(name: str) -> str:
    """A name from the scenario, isolated from the sentence's direction (FSI ... PDI): a Latin
    corridor name in an Arabic sentence (or the reverse) keeps its punctuation in place."""
    return f"\u2068{name}\u2069"


@dataclass(frozen=True)
class LeafletChoice:
    """What one district's leaflet shows."""

    area: str
    corridor: Corridor
    route: RouteFeature | None
    alternative: Corridor | None
    assisted: tuple[Corridor, ...]


def _main_group(scenario: Scenario) -> str:
    return max(scenario.groups, key=lambda g: g.share).id


def _distance_m(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance; a few km across a city, far more exact than needed here."""
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2)) * _M_PER_DEG
    return math.hypot(dx, (lat2 - lat1) * _M_PER_DEG)


def _bearing_deg(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    dx = (lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return math.degrees(math.atan2(dx, lat2 - lat1)) % 360


def _area_centres(prepared: PreparedScenario) -> dict[str, tuple[float, float]]:
    """People-weighted centre (lon, lat) of each district."""
    pop, net = prepared.population, prepared.network
    people = np.bincount(pop.origin_area, weights=pop.origin_people, minlength=len(pop.areas))
    lon = np.bincount(
        pop.origin_area,
        weights=pop.origin_people * net.lon[pop.origin_node],
        minlength=len(pop.areas),
    )
    lat = np.bincount(
        pop.origin_area,
        weights=pop.origin_people * net.lat[pop.origin_node],
        minlength=len(pop.areas),
    )
    return {
        name: (float(lon[a] / people[a]), float(lat[a] / people[a]))
        for a, name in enumerate(pop.areas)
        if people[a] > 0
    }


def _alternative(
    scenario: Scenario,
    main: Corridor,
    planned: dict[str, float],
    centre: tuple[float, float] | None,
) -> Corridor | None:
    """The plan's next corridor for the district, else the nearest other open one the same
    group may use."""
    group = _main_group(scenario)
    candidates = [
        c
        for c in scenario.corridors
        if c.id != main.id and c.status is CorridorStatus.OPEN and group in scenario.eligible(c)
    ]
    if not candidates:
        return None

    def order(c: Corridor) -> tuple[float, float]:
        far = _distance_m(*centre, c.lon, c.lat) if centre else 0.0
        return (-planned.get(c.id, 0.0), far)

    return min(candidates, key=order)


def leaflet_choices(prepared: PreparedScenario, plan: PlanInput) -> list[LeafletChoice]:
    """One choice per district the plan sends people from, in the plan's order."""
    scenario = prepared.scenario
    by_id = {c.id: c for c in scenario.corridors}
    group = _main_group(scenario)
    centres = _area_centres(prepared)
    choices = []
    for area, planned in plan.district_corridors().items():
        used = {k: v for k, v in planned.items() if v > 0 and k in by_id}
        if not used:
            continue
        general = {k: v for k, v in used.items() if group in scenario.eligible(by_id[k])}
        main = by_id[max(general or used, key=lambda k: (general or used)[k])]
        assisted = tuple(
            by_id[k] for k in used if k != main.id and group not in scenario.eligible(by_id[k])
        )
        choices.append(
            LeafletChoice(
                area=area,
                corridor=main,
                route=plan.route(area, main.id),
                alternative=_alternative(scenario, main, used, centres.get(area)),
                assisted=assisted,
            )
        )
    return choices


def _service_lines(corridor: Corridor, lang: Lang) -> list[dict[str, str]]:
    lines = []
    for kind in _SERVICE_KINDS:
        found = [s for s in corridor.services if s.kind == kind]
        if not found:
            lines.append({"label": text(lang, kind), "where": text(lang, "none_here")})
            continue
        for service in found:
            if service.lon is None or service.lat is None:
                where = text(lang, "at_checkpoint")
            else:
                metres = _distance_m(corridor.lon, corridor.lat, service.lon, service.lat)
                bearing = _bearing_deg(corridor.lon, corridor.lat, service.lon, service.lat)
                rounded = max(50, round(metres / 50.0) * 50)
                where = text(
                    lang, "near_checkpoint", m=f"{rounded:,}", dir=direction(lang, bearing)
                )
            lines.append({"label": text(lang, kind), "where": where})
    return lines


def _walk_line(choice: LeafletChoice, scenario: Scenario, lang: Lang) -> str:
    if choice.route is None or choice.route.length_m <= 0:
        return ""
    group = next(g for g in scenario.groups if g.id == _main_group(scenario))
    speed = group.walking_speed_mps or scenario.flow.walking_speed_mps
    minutes = max(5, round(choice.route.length_m / speed / 60 / 5.0) * 5)
    return text(lang, "walk", km=f"{choice.route.length_m / 1000:.1f}", minutes=minutes)


def _route_svg(choice: LeafletChoice, prepared: PreparedScenario, lang: Lang) -> str:
    corridor = choice.corridor
    route = choice.route.lonlat if choice.route else []
    points = [MapPoint("corridor", corridor.lon, corridor.lat)]
    if route:
        points.append(MapPoint("start", *route[0]))
    points += [
        MapPoint(s.kind, s.lon, s.lat)
        for s in corridor.services
        if s.kind in _SERVICE_KINDS and s.lon is not None and s.lat is not None
    ]
    return route_map_svg(
        prepared.network,
        route,
        points,
        scale_label=text(lang, "scale", m="{m}"),
        north_label=text(lang, "north"),
    )


def _closed_line(choice: LeafletChoice, lang: Lang) -> str:
    alt = choice.alternative
    if alt is None:
        return text(lang, "closed_none")
    return text(lang, "closed_alt", name=_isolated(alt.name), hours=windows_text(alt, lang))


def _assisted_lines(choice: LeafletChoice, scenario: Scenario, lang: Lang) -> list[str]:
    comma = "، " if lang == "ar" else ", "
    return [
        text(
            lang,
            "assisted",
            name=_isolated(c.name),
            hours=windows_text(c, lang),
            groups=comma.join(group_label(lang, g) for g in scenario.eligible(c)),
        )
        for c in choice.assisted
    ]


def _labels(lang: Lang) -> dict[str, str]:
    keys = (
        "use_corridor",
        "opening_hours",
        "hours_note",
        "route_map",
        "legend_route",
        "legend_start",
        "legend_corridor",
        "legend_medical",
        "legend_food",
        "services_title",
        "bring_title",
        "closed_title",
        "voluntary",
        "safety",
        "no_route",
    )
    return {key: text(lang, key) for key in keys}


def leaflet_html(choice: LeafletChoice, prepared: PreparedScenario, *, lang: Lang) -> str:
    """The leaflet of one district as a whole HTML page (everything inline)."""
    scenario = prepared.scenario
    context: dict[str, Any] = {
        "lang": lang,
        "dir": "rtl" if lang == "ar" else "ltr",
        "title": text(lang, "leaflet_title", area=_isolated(choice.area)),
        "t": _labels(lang),
        "corridor_name": choice.corridor.name,
        "hours": windows_text(choice.corridor, lang),
        "walk": _walk_line(choice, scenario, lang),
        "svg": _route_svg(choice, prepared, lang) if choice.route else "",
        "drawn": {s.kind for s in choice.corridor.services if s.lon is not None},
        "services": _service_lines(choice.corridor, lang),
        "bring": text(lang, "bring").split("|"),
        "closed": _closed_line(choice, lang),
        "assisted": _assisted_lines(choice, scenario, lang),
        "attribution": OSM_ATTRIBUTION,
    }
    return render_template("leaflet.html.j2", **context)


def _file_stem(area: str, taken: set[str]) -> str:
    stem = re.sub(r"[^\w]+", "-", area, flags=re.UNICODE).strip("-").lower() or "district"
    unique, k = stem, 2
    while unique in taken:
        unique, k = f"{stem}-{k}", k + 1
    taken.add(unique)
    return unique


def write_leaflets(
    prepared: PreparedScenario,
    plan: PlanInput,
    out_dir: Path,
    *,
    langs: list[Lang],
) -> list[Path]:
    """Write ``leaflet-<district>.<lang>.pdf`` for every district and language; their paths."""
    choices = leaflet_choices(prepared, plan)
    taken: set[str] = set()
    stems = [_file_stem(c.area, taken) for c in choices]
    written: list[Path] = []
    with PdfRenderer() as pdf:
        for choice, stem in zip(choices, stems, strict=True):
            for lang in langs:
                html = leaflet_html(choice, prepared, lang=lang)
                written.append(pdf.render(html, out_dir / f"leaflet-{stem}.{lang}.pdf"))
    return written
