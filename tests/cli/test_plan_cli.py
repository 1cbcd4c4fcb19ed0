"""`safepassage plan` writes the four files; `safepassage check` accepts them and rejects a
tampered plan."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from safepassage.cli.main import main
from safepassage.io.plan_store import load_plan, save_plan
from tests.planning.test_planner_cases import build


@pytest.fixture
def planned_dir(tmp_path):
    build(tmp_path, people=7800)  # writes scenario.toml, city.osm.pbf and people.csv
    out = tmp_path / "plan"
    assert main(["plan", str(tmp_path / "scenario.toml"), "--out", str(out)]) == 0
    return out


def test_plan_writes_its_files_and_figures(planned_dir):
    summary = json.loads((planned_dir / "plan.json").read_text())
    assert summary["evacuees"] == pytest.approx(7800, abs=0.5)
    assert summary["lower_bound_min"] <= summary["clearance_time_min"]
    assert summary["gap"] >= 0
    assert summary["baseline_clearance_time_min"] >= summary["clearance_time_min"]
    assert {c["id"] for c in summary["corridors"]} == {"C1", "C2"}
    assert sum(c["people"] for c in summary["corridors"]) == pytest.approx(7800, abs=0.5)
    routes = json.loads((planned_dir / "routes.geojson").read_text())
    assert routes["features"] and "OpenStreetMap" in routes["attribution"]
    rows = list(csv.reader((planned_dir / "schedule.csv").open(encoding="utf-8")))
    assert rows[1][0] == "#loc+code+corridor"
    crossed = sum(float(r[6]) for r in rows[2:])
    assert crossed == pytest.approx(7800, abs=1)


def test_check_accepts_the_plan(planned_dir, capsys):
    assert main(["check", str(planned_dir)]) == 0


def test_check_rejects_a_tampered_plan(planned_dir, capsys):
    plan = load_plan(planned_dir / "plan.npz")
    people = plan.packet_people.copy()
    people[0] *= 3  # more people than the source has
    tampered = type(plan)(**{**plan.__dict__, "packet_people": people})
    save_plan(tampered, planned_dir / "plan.npz")
    assert main(["check", str(planned_dir)]) == 3
    assert "conservation" in capsys.readouterr().out


def test_check_without_a_plan_is_one_clear_line(tmp_path, capsys):
    assert main(["check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "plan.json" in err and "not found" in err
    assert np.char.count(err.strip(), "\n") == 0
