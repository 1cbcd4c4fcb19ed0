"""Which OSM ways a pedestrian may use, and how wide they are, from their tags.

Rules follow the OSM wiki pages *Key:highway*, *Key:access*, *Key:foot* and *OSM tags for
routing/Access restrictions* (worldwide defaults):

- a way is a candidate when its ``highway`` class is one people walk on (``WALKABLE_HIGHWAYS``);
  ``cycleway``, ``bridleway``, ``bus_guideway``, ``busway`` and ``motorway``/``motorway_link`` are
  closed to people on foot by the worldwide defaults and kept only when ``foot`` opens them
  (``yes``, ``designated``, ``permissive``, ``official``);
- the most specific access tag decides (``foot`` before ``access``): ``no``, ``private``,
  ``use_sidepath`` and use-restricted values (``agricultural``, ``forestry``, ``delivery``) close
  the way; ``yes``, ``designated``, ``permissive``, ``destination`` and others leave it open;
- ``area=yes`` ways (squares mapped as polygons) are left out, as OSMnx and pyrosm do, because
  their outline is not a path; ``service=private`` is closed like ``access=private``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

__all__ = [
    "FOOT_OPT_IN_HIGHWAYS",
    "WALKABLE_HIGHWAYS",
    "parse_lanes",
    "parse_width_m",
    "pavement_sides",
    "walk_exclusion",
]

WALKABLE_HIGHWAYS = frozenset(
    {
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "pedestrian",
        "service",
        "road",
        "track",
        "footway",
        "path",
        "steps",
        "corridor",
    }
)

# closed to pedestrians unless foot=yes/designated/permissive says otherwise
FOOT_OPT_IN_HIGHWAYS = frozenset(
    {"cycleway", "bridleway", "motorway", "motorway_link", "bus_guideway", "busway"}
)

_CLOSED_ACCESS = frozenset(
    {"no", "private", "use_sidepath", "agricultural", "forestry", "delivery"}
)
_OPEN_ACCESS = frozenset({"yes", "designated", "permissive", "official"})


def _first_value(value: str) -> str:
    # "private;delivery" style lists: the first value is the main one
    return value.split(";", 1)[0].strip().lower()


def walk_exclusion(tags: Mapping[str, str]) -> str | None:
    """Why a way is not walkable, or ``None`` when people on foot may use it.

    The reason is a short key (``"highway=motorway"``, ``"foot=no"``, ``"area=yes"``, ...) that the
    import report counts.
    """
    highway = tags.get("highway")
    if highway is None:
        return "no highway tag"
    foot = tags.get("foot")
    foot_value = _first_value(foot) if foot is not None else None
    if highway in FOOT_OPT_IN_HIGHWAYS:
        if foot_value in _OPEN_ACCESS:
            return None
        return f"highway={highway}"
    if highway not in WALKABLE_HIGHWAYS:
        return f"highway={highway}"
    if tags.get("area") == "yes":
        return "area=yes"
    if foot_value is not None:
        return f"foot={foot_value}" if foot_value in _CLOSED_ACCESS else None
    access = tags.get("access")
    if access is not None and _first_value(access) in _CLOSED_ACCESS:
        return f"access={_first_value(access)}"
    if tags.get("service") == "private":
        return "service=private"
    return None


_WIDTH = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(m|metres?|meters?|ft|feet|')?\s*$", re.IGNORECASE)
_FEET_INCHES = re.compile(r"^\s*(\d+)\s*'\s*(\d+(?:\.\d+)?)\s*\"\s*$")


def parse_width_m(value: str | None) -> float | None:
    """A ``width``/``est_width`` tag in metres, or ``None`` when absent or not a width.

    Accepts the OSM wiki's forms: ``3``, ``3.5``, ``3,5``, ``3.5 m``, ``12 ft``, ``12'``, ``10'6"``.
    """
    if value is None:
        return None
    match = _FEET_INCHES.match(value)
    if match:
        width = float(match.group(1)) * 0.3048 + float(match.group(2)) * 0.0254
    else:
        match = _WIDTH.match(value)
        if not match:
            return None
        width = float(match.group(1).replace(",", "."))
        unit = (match.group(2) or "m").lower()
        if unit in {"ft", "feet", "'"}:
            width *= 0.3048
    if not (math.isfinite(width) and 0.3 <= width <= 100.0):
        return None
    return width


# Classes whose width/lanes tags measure the carriageway only, and how many pavements they have
# when no sidewalk tag says (an assumption: urban streets have both, service roads none).
_CARRIAGEWAY_PAVEMENTS = {
    "trunk": 2, "primary": 2, "secondary": 2, "tertiary": 2, "unclassified": 2,
    "residential": 2, "living_street": 0, "road": 2, "service": 0, "motorway": 0,
    "busway": 0, "bus_guideway": 0, "track": 0,
}  # fmt: skip
_SIDEWALK_SIDES = {"both": 2, "left": 1, "right": 1, "no": 0, "none": 0, "separate": 0}


def pavement_sides(tags: Mapping[str, str], highway: str) -> int:
    """How many pavements run beside a carriageway (0 for footways and paths, whose width tag is
    their whole walking width), from the ``sidewalk`` tag or the class's default."""
    base = highway.removesuffix("_link")
    if base not in _CARRIAGEWAY_PAVEMENTS:
        return 0
    sidewalk = tags.get("sidewalk")
    if sidewalk is not None and sidewalk in _SIDEWALK_SIDES:
        return _SIDEWALK_SIDES[sidewalk]
    return _CARRIAGEWAY_PAVEMENTS[base]


def parse_lanes(value: str | None) -> int | None:
    """The ``lanes`` tag as a positive integer, or ``None``."""
    if value is None:
        return None
    try:
        lanes = int(value.strip())
    except ValueError:
        return None
    return lanes if 1 <= lanes <= 12 else None
