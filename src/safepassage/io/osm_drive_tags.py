"""Which OSM ways a motor vehicle may use, which way they run, how many lanes and how fast.

Rules follow the OSM wiki pages *Key:highway*, *Key:access*, *Key:oneway*, *Key:lanes* and
*Key:maxspeed*, and select the same ways as OSMnx's ``drive_service`` network type:

- a way is a candidate when its ``highway`` class is a road (``DRIVE_CLASSES``: motorway to
  residential, links, ``living_street``, ``service``, ``road``); tracks, busways, paths and
  footways are left out;
- the most specific access tag decides, in the order ``motorcar``, ``motor_vehicle``,
  ``vehicle``, ``access``: ``no``, ``private`` and use-restricted values (``agricultural``,
  ``forestry``, ``delivery``) close the way;
- service roads for parking, private or emergency access and ``area=yes`` ways are left out,
  whatever their access tags;
- ``oneway=yes|true|1`` runs as drawn, ``oneway=-1|reverse`` against it; ``junction=roundabout``
  or ``circular`` and ``highway=motorway`` imply ``oneway=yes`` unless ``oneway=no``;
  ``oneway=reversible|alternating`` ways (one direction at a time) count as two-way with the
  lanes of one direction.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Literal

from safepassage.io.osm_tags import parse_lanes
from safepassage.model.drive import DRIVE_CLASSES

__all__ = ["drive_exclusion", "lanes_of", "oneway_direction", "parse_maxspeed_kmh"]

_CLOSED_ACCESS = frozenset({"no", "private", "agricultural", "forestry", "delivery"})
_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_CLOSED_SERVICE = frozenset({"parking", "parking_aisle", "private", "emergency_access"})
_FORWARD = frozenset({"yes", "true", "1"})
_BACKWARD = frozenset({"-1", "reverse"})
_TWO_WAY = frozenset({"no", "false", "0"})
# Carriageways built for two lanes a direction when no lanes tag says otherwise.
_WIDE_CLASSES = frozenset({"motorway", "trunk"})


def _first_value(value: str) -> str:
    return value.split(";", 1)[0].strip().lower()


def drive_exclusion(tags: Mapping[str, str]) -> str | None:
    """Why a way cannot be driven, or ``None`` when motor vehicles may use it.

    The reason is a short key (``"highway=footway"``, ``"motor_vehicle=no"``, ...) that the import
    report counts.
    """
    highway = tags.get("highway")
    if highway is None:
        return "no highway tag"
    if highway not in DRIVE_CLASSES:
        return f"highway={highway}"
    if tags.get("area") == "yes":
        return "area=yes"
    service = tags.get("service")
    if service is not None and _first_value(service) in _CLOSED_SERVICE:
        return f"service={_first_value(service)}"
    for key in _ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            first = _first_value(value)
            return f"{key}={first}" if first in _CLOSED_ACCESS else None
    return None


Direction = Literal[-1, 0, 1]


def oneway_direction(tags: Mapping[str, str]) -> Direction:
    """1: traffic runs the way the way is drawn; -1: against it; 0: both ways."""
    raw = tags.get("oneway")
    value = _first_value(raw) if raw is not None else None
    if value in _FORWARD:
        return 1
    if value in _BACKWARD:
        return -1
    if value in _TWO_WAY:
        return 0
    if tags.get("junction") in {"roundabout", "circular"} or tags.get("highway") == "motorway":
        return 1
    return 0


def lanes_of(tags: Mapping[str, str], highway: str, direction: Direction) -> tuple[int, int]:
    """(lanes that can carry traffic out in one direction, lanes in all) of a way.

    A one-way way's lanes all run one way. On a two-way way ``lanes:forward`` and
    ``lanes:backward`` give each direction; without them half the ``lanes`` (at least one) run
    each way. Untagged ways have one lane a direction, two on motorways and trunk roads.
    """
    base = highway.removesuffix("_link")
    default_per_direction = 2 if base in _WIDE_CLASSES and highway == base else 1
    total = parse_lanes(tags.get("lanes"))
    if direction != 0:
        lanes = total if total is not None else default_per_direction
        return lanes, lanes
    forward = parse_lanes(tags.get("lanes:forward"))
    backward = parse_lanes(tags.get("lanes:backward"))
    if forward is not None or backward is not None:
        one_way = max(forward or 0, backward or 0)
        return one_way, max(total or 0, (forward or 0) + (backward or 0))
    if total is not None:
        return max(1, total // 2), total
    return default_per_direction, 2 * default_per_direction


_SPEED = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)
_TO_KMH = {"km/h": 1.0, "kmh": 1.0, "kph": 1.0, "mph": 1.609344, "knots": 1.852}


def parse_maxspeed_kmh(value: str | None) -> float | None:
    """A ``maxspeed`` tag in km/h, or ``None`` when absent or not a number (``none``,
    ``signals``, ``RU:urban`` and other zone codes are left to the class's speed).

    Accepts the OSM wiki's forms: ``50``, ``50 km/h``, ``30 mph``, ``10 knots``, ``walk``;
    of several values (``50;30``) the first.
    """
    if value is None:
        return None
    first = value.split(";", 1)[0].strip()
    if first.lower() == "walk":
        return 6.0
    match = _SPEED.match(first)
    if not match:
        return None
    speed = float(match.group(1)) * _TO_KMH[(match.group(2) or "km/h").lower()]
    if not (math.isfinite(speed) and 1.0 <= speed <= 200.0):
        return None
    return speed
