"""The command line: exit codes, one clear line for bad input, no traceback, the counts shown."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from safepassage.cli.main import main
from tests.conftest import write_osm

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
    page = (out / "map.html").read_text(encoding="utf-8")
    assert "OpenStreetMap contributors" in page
    assert all(c["name"] in page for c in summary["corridors"])
    printed = capsys.readouterr().out
    assert "Corridors" in printed


# --- bad input: one line on stderr, exit 2, the file named exactly as it is -----------------

BOGUS_AREAS = '{"type": "Feature", "properties": {"population": 5}, "geometry": "bogus"}'


def _one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("error: ")
    return lines[0]


def test_bracketed_file_name_is_printed_exactly(scenario, tmp_path, capsys):
    people = tmp_path / "pop[old].csv"
    people.write_text(PEOPLE.replace("1200", "-3"), encoding="utf-8")
    scenario.write_text(SCENARIO.replace("people.csv", "pop[old].csv"), encoding="utf-8")
    assert main(["validate", str(scenario)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"{people}: row 3: #population is negative (-3)" in line


def test_bracketed_message_text_is_kept(scenario, capsys):
    text = SCENARIO.replace(
        'osm = "grid.osm.pbf"', 'osm = "grid.osm.pbf"\nclip = { bbox = [31, 34, 30, 35] }'
    )
    scenario.write_text(text, encoding="utf-8")
    assert main(["validate", str(scenario)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert "bbox must be [west, south, east, north] with west < east" in line


def _edit(folder, name, old, new):
    """Replace ``old`` by ``new`` in ``folder / name``; returns the file's path."""
    path = folder / name
    path.write_text(path.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
    return path


def _missing_osm(folder):
    (folder / "grid.osm.pbf").unlink()
    return folder / "grid.osm.pbf"


def _bogus_geometry(folder):
    (folder / "areas.geojson").write_text(BOGUS_AREAS, encoding="utf-8")
    _edit(folder, "scenario.toml", "people.csv", "areas.geojson")
    return folder / "areas.geojson"


@pytest.mark.parametrize(
    ("breaks", "expected"),
    [
        (_missing_osm, "OSM file not found"),
        (lambda f: _edit(f, "scenario.toml", 'id = "C1"', 'id = "C1'), "TOML syntax error"),
        (
            lambda f: _edit(f, "people.csv", "800", "-800"),
            "row 4: #population is negative (-800)",
        ),
        (
            lambda f: _edit(f, "scenario.toml", "lon = 29.9999", "lon = 31.5"),
            "corridors[0] (C1):",
        ),
        (_bogus_geometry, "feature 0: geometry is 'bogus'"),
    ],
    ids=["missing-osm", "toml-syntax", "negative-people", "corridor-far", "bogus-geometry"],
)
def test_bad_input_is_one_line_naming_the_file(tmp_path, osm_file, capsys, breaks, expected):
    # everything in a folder whose name holds brackets, which rich markup would eat
    folder = tmp_path / "data [v2]"
    folder.mkdir()
    write_osm(folder / "grid.osm.pbf", NODES, WAYS)
    (folder / "people.csv").write_text(PEOPLE, encoding="utf-8")
    scenario = folder / "scenario.toml"
    scenario.write_text(SCENARIO, encoding="utf-8")
    named = breaks(folder)
    assert main(["validate", str(scenario)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert str(named) in line
    assert expected in line


def test_json_to_a_folder_is_refused_before_the_import(tmp_path, capsys):
    # the scenario does not even exist: the output is checked first, before a long import
    assert main(["validate", str(tmp_path / "missing.toml"), "--json", str(tmp_path)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"{tmp_path}: is a folder; --json needs a file name" in line


def test_json_where_a_file_blocks_the_folder(scenario, tmp_path, capsys):
    blocker = tmp_path / "taken"
    blocker.write_text("x", encoding="utf-8")
    assert main(["validate", str(scenario), "--json", str(blocker / "out.json")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"{blocker} is a file, not a folder" in line


def test_json_in_an_unwritable_folder(scenario, tmp_path, capsys, monkeypatch):
    # tests may run as root, who may write anywhere: make the folder look read-only
    monkeypatch.setattr("safepassage.io.atomic.os.access", lambda *_args, **_kw: False)
    assert main(["validate", str(scenario), "--json", str(tmp_path / "out.json")]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"cannot write in {tmp_path} (permission denied)" in line


def test_unreadable_scenario_is_one_line_not_a_usage_box(scenario, capsys, monkeypatch):
    real_read_text = Path.read_text

    def read_text(self, *args, **kwargs):
        if self == scenario:
            raise PermissionError(13, "Permission denied")
        return real_read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", read_text)
    # what click would consult to refuse the argument before safepassage sees it
    monkeypatch.setattr("os.access", lambda *_args, **_kw: False)
    assert main(["validate", str(scenario)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert line == f"error: {scenario}: cannot read the scenario file (permission denied); " + (
        "check its permissions"
    )


def test_demo_out_on_an_existing_file(tmp_path, capsys):
    taken = tmp_path / "out.txt"
    taken.write_text("x", encoding="utf-8")
    assert main(["demo", "--out", str(taken)]) == 2
    line = _one_error_line(capsys.readouterr().err)
    assert f"{taken}: is a file, not a folder; --out needs a folder" in line
    assert taken.read_text(encoding="utf-8") == "x"


def test_bracketed_names_in_the_tables_are_shown_as_written(scenario, tmp_path, capsys):
    (tmp_path / "pop[old].csv").write_text(PEOPLE, encoding="utf-8")
    text = SCENARIO.replace('path = "people.csv"', 'path = "pop[old].csv"')
    scenario.write_text(text.replace('name = "West gate"', 'name = "Gate [N]"'), "utf-8")
    assert main(["validate", str(scenario)]) == 0
    printed = capsys.readouterr().out
    assert "pop[old].csv" in printed and "Gate [N]" in printed
