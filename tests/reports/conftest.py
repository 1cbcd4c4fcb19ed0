"""A tiny walled city (a 6 x 6 street grid, two named districts, three corridors, a hazard),
planned once per session with ``safepassage plan``; and the browser the reports tests need."""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import pytest

from safepassage.cli.main import main
from tests.conftest import write_osm
from tests.storage.dbfixtures import db_url, pg_url, sqlite_template

__all__ = ["db_url", "pg_url", "sqlite_template"]  # the sitrep's figures on each backend

LON0, LAT0 = 36.0, 33.0
STEP = 0.0025  # about 230 m of longitude and 280 m of latitude here
SIZE = 6

SCENARIO = """
name = "Tiny walled city"
timezone = "Asia/Damascus"
start = 2026-12-01T06:00:00
[network]
osm = "city.osm.pbf"
[population]
[[population.sources]]
path = "districts.geojson"
name_property = "name"
[[groups]]
id = "general"
share = 0.9
[[groups]]
id = "mobility_impaired"
share = 0.1
walking_speed_mps = 0.8
[[corridors]]
id = "north"
name = "North Gate"
lat = {north_lat}
lon = {mid_lon}
throughput_pph = 3000
windows.daily = [["06:00", "18:00"]]
services = [
    {{ kind = "medical_post", name = "North medical post" }},
    {{ kind = "food_point", name = "North food point", lat = {north_lat}, lon = {food_lon} }},
]
[[corridors]]
id = "south"
name = "South Gate"
lat = {south_lat}
lon = {mid_lon}
throughput_pph = 2000
windows.daily = [["07:00", "12:00"], ["14:00", "19:00"]]
services = [{{ kind = "medical_post", name = "South medical post" }}]
[[corridors]]
id = "east"
name = "East assisted exit"
lat = {mid_lat}
lon = {east_lon}
throughput_pph = 500
eligible_groups = ["mobility_impaired"]
windows.daily = [["08:00", "16:00"]]
[[hazards]]
id = "H1"
name = "Collapsed block"
effect = "close"
polygon = {hazard}
"""


def _lonlat(i: int, j: int) -> tuple[float, float]:
    return (round(LON0 + i * STEP, 7), round(LAT0 + j * STEP, 7))


def write_tiny_city(folder: Path) -> Path:
    """Write city.osm.pbf, districts.geojson and scenario.toml into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    nodes = {1 + i + SIZE * j: _lonlat(i, j) for i in range(SIZE) for j in range(SIZE)}
    ways = []
    for k in range(SIZE):
        row = [1 + i + SIZE * k for i in range(SIZE)]
        col = [1 + k + SIZE * j for j in range(SIZE)]
        ways.append((100 + k, row, {"highway": "residential", "name": f"Street {k}"}))
        ways.append((200 + k, col, {"highway": "residential", "name": f"Avenue {k}"}))
    write_osm(folder / "city.osm.pbf", nodes, ways)
    half = LON0 + STEP * (SIZE - 1) / 2
    lo_lat, hi_lat = LAT0 - STEP / 4, LAT0 + STEP * (SIZE - 1) + STEP / 4
    lo_lon, hi_lon = LON0 - STEP / 4, LON0 + STEP * (SIZE - 1) + STEP / 4

    def box(w: float, e: float) -> list[list[list[float]]]:
        return [[[w, lo_lat], [e, lo_lat], [e, hi_lat], [w, hi_lat], [w, lo_lat]]]

    districts = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "Al-Midan", "population": 4321},
                "geometry": {"type": "Polygon", "coordinates": box(lo_lon, half)},
            },
            {
                "type": "Feature",
                "properties": {"name": "Old Town", "population": 2987},
                "geometry": {"type": "Polygon", "coordinates": box(half, hi_lon)},
            },
        ],
    }
    (folder / "districts.geojson").write_text(json.dumps(districts), encoding="utf-8")
    top = LAT0 + STEP * (SIZE - 1)
    c = _lonlat(1, 1)
    hazard = [
        [c[0] - STEP / 3, c[1] - STEP / 3],
        [c[0] + STEP / 3, c[1] - STEP / 3],
        [c[0] + STEP / 3, c[1] + STEP / 3],
    ]
    text = SCENARIO.format(
        north_lat=top,
        south_lat=LAT0,
        mid_lat=LAT0 + STEP * 2,
        mid_lon=LON0 + STEP * 2,
        food_lon=LON0 + STEP * 3,
        east_lon=LON0 + STEP * (SIZE - 1),
        hazard=json.dumps(hazard),
    )
    path = folder / "scenario.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def planned_city(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(scenario.toml, plan folder) of the tiny city, planned once per session."""
    folder = tmp_path_factory.mktemp("tiny_city")
    scenario = write_tiny_city(folder)
    plan_dir = folder / "plan"
    assert main(["plan", str(scenario), "--out", str(plan_dir), "--no-bound"]) == 0
    return scenario, plan_dir


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's chromium; skipped loudly when it is not installed."""
    if not CHROMIUM.exists() or shutil.which("pdftotext") is None:
        message = (
            f"{CHROMIUM} or pdftotext missing: browser and PDF tests skipped; install with "
            "apt-get install --no-install-recommends chromium fonts-noto-core poppler-utils"
        )
        warnings.warn(message, stacklevel=1)
        pytest.skip(message)
    return CHROMIUM
