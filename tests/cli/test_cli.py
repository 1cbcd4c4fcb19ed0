"""The command line: exit codes, one clear line for bad input, no traceback, the counts shown."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from safepassage.cli.main import main

LAT = 34.0
NODES = {i: (30.0 + 0.001 * (i % 10), LAT + 0.001 * (i // 10)) for i in range(100)}
# a 10 × 10 grid of residential streets
WAYS = [(1000 + r, [r * 10 + c for c in range(10)], {"highway": "residential"}) for r in range(10)]
WAYS += [(2000 + c, [r * 10 + c for r in range(10)], {"highway": "footway"}) for c in range(10)]

SCENARIO = """
name = "Grid town"
timezone = "Europe/Helsinki"
start = 2026-12-01T06:00:00

[network]
osm = "grid.osm.pbf"

[population]
[[population.sources]]
path = "people.csv"

[[corridors]]
id = "C1"
name = "West gate"
lat = 34.0040
lon = 29.9999
throughput_pph = 1500
windows.daily = [["07:00", "17:00"]]
"""

PEOPLE = "lat,lon,population,name\n#geo+lat,#geo+lon,#population,#loc+name\n"
PEOPLE += "34.0021,30.0032,1200,North\n34.0071,30.0068,800,South\n"


@pytest.fixture
def scenario(tmp_path, osm_file):
    osm_file(NODES, WAYS, name="grid.osm.pbf")
    (tmp_path / "people.csv").write_text(PEOPLE, encoding="utf-8")
    path = tmp_path / "scenario.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_validate_prints_counts_and_writes_json(scenario, tmp_path, capsys):
    out = tmp_path / "summary.json"
    assert main(["validate", str(scenario), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Population sources" in printed and "2,000" in printed
    summary = json.loads(out.read_text())
    assert summary["network"]["nodes_read"] == 100
    assert summary["network"]["segments_read"] == 180
    assert summary["population"]["placed"] == pytest.approx(2000)
    assert summary["population"]["dropped"] == 0
    assert summary["corridors"][0]["snap_distance_m"] < 20
    assert "OpenStreetMap contributors" in summary["network"]["attribution"]


def test_corridor_off_the_map_is_exit_2_with_one_line(scenario, capsys):
    scenario.write_text(SCENARIO.replace("lon = 29.9999", "lon = 30.5"), encoding="utf-8")
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "corridors[0] (C1)" in err and "from the nearest node of the walkable network" in err
    assert "Traceback" not in err


def test_population_outside_the_network_names_the_row(scenario, tmp_path, capsys):
    (tmp_path / "people.csv").write_text(PEOPLE + "35.5,31.0,50,Far\n", encoding="utf-8")
    assert main(["validate", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "people.csv" in err and "row 5" in err


def test_usage_error_is_exit_2(capsys):
    assert main(["validate"]) == 2


def test_missing_scenario_runs_as_a_real_process_without_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "safepassage", "validate", str(tmp_path / "missing.toml")],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2
    assert "scenario file not found" in result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.mark.slow
def test_demo_runs_end_to_end(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--out", str(out)]) == 0
    summary = json.loads((out / "validation.json").read_text())
    assert 250_000 <= summary["population"]["input"] <= 350_000
    assert summary["population"]["placed"] + summary["population"]["dropped"] == pytest.approx(
        summary["population"]["input"]
    )
    assert len(summary["corridors"]) == 4
    assert (out / "network.geojson").stat().st_size > 0
    assert (out / "scenario" / "scenario.toml").exists()
    printed = capsys.readouterr().out
    assert "Corridors" in printed
