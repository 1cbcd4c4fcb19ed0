"""`safepassage supplies`: the files it writes, the figures in them, and one-line errors."""

from __future__ import annotations

import csv
import datetime as dt
import json

import hxl
import pytest

from safepassage.cli.main import main
from tests.planning.test_planner_cases import build

PEOPLE = 7800
RELIEF = """
[[stocks]]
commodity = "cereal"
quantity = 30.0   # t: 7,800 people eat 3.12 t a day, so the stock lasts 9.6 days
unit = "t"

[[stocks]]
commodity = "water"
quantity = 117.0   # m3: 1 day at 15 l
unit = "m3"

[[supply_routes]]
id = "R1"
name = "East road"
lat = {lat}
lon = {lon}
windows = {{ daily = [["08:00", "12:00"]] }}
trucks_per_hour = 2.0
turnaround_h = 6.0
{extra}
[relief]
horizon_days = 20
buffer_days = 3.0

[relief.uncertainty]
draws = 300
seed = 5
"""


def _scenario(tmp_path, extra=""):
    build(tmp_path, people=PEOPLE)
    path = tmp_path / "scenario.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text + RELIEF.format(lat=0.0, lon=30.0, extra=extra), encoding="utf-8")
    return path


def summary_sites(out):
    return json.loads((out / "relief.json").read_text())["siting"]["sites"]


def test_forecast_without_a_plan(tmp_path, capsys):
    scenario = _scenario(tmp_path)
    out = tmp_path / "relief"
    assert main(["supplies", str(scenario), "--out", str(out)]) == 0
    for name in ("relief.json", "stock_forecast.csv", "burn_down.png", "burn_down.svg",
                 "convoy_plan.csv"):  # fmt: skip
        assert (out / name).stat().st_size > 0, name
    assert not (out / "corridor_staffing.csv").exists()
    assert (out / "burn_down.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (out / "burn_down.svg").read_bytes()[:1000]
    sites = json.loads((out / "distribution_points.geojson").read_text())
    assert len(sites["features"]) == summary_sites(out) and "OpenStreetMap" in sites["attribution"]
    districts = list(csv.reader((out / "district_coverage.csv").open(encoding="utf-8")))
    assert districts[1][0] == "#loc+name+district" and len(districts) == 3  # one district
    summary = json.loads((out / "relief.json").read_text())
    cereal = summary["forecast"]["commodities"][0]
    assert cereal["commodity"] == "cereal"
    # everyone stays: 30 t / 3.12 t a day -> fed on days 0..8, short on day 9
    start = dt.date.fromisoformat(summary["forecast"]["start"][:10])
    assert cereal["stockout_date"] == (start + dt.timedelta(days=9)).isoformat()
    assert cereal["days_of_cover_at_start"] == pytest.approx(30 / 3.12, abs=0.01)
    assert summary["siting"]["coverage"] >= 0.95
    rows = list(csv.reader((out / "stock_forecast.csv").open(encoding="utf-8")))
    assert rows[1][:3] == ["#date", "#item+code", "#item+unit"]
    assert len(rows) == 2 + 20 * 2  # 20 days x (cereal, water)
    convoy = list(csv.reader((out / "convoy_plan.csv").open(encoding="utf-8")))
    assert convoy[1][1] == "#loc+code+route"
    assert summary["convoys"]["routes"][0]["trucks_total"] > 0
    assert "Stock-out dates" in capsys.readouterr().out


def test_plan_departures_and_staffing(tmp_path, capsys):
    scenario = _scenario(tmp_path)
    plan_dir = tmp_path / "plan"
    assert main(["plan", str(scenario), "--out", str(plan_dir), "--no-bound"]) == 0
    stays, goes = tmp_path / "stays", tmp_path / "goes"
    args = ["supplies", str(scenario), "--no-siting", "--out"]
    assert main([*args, str(stays)]) == 0
    assert main([*args, str(goes), "--plan", str(plan_dir)]) == 0
    before = json.loads((stays / "relief.json").read_text())
    after = json.loads((goes / "relief.json").read_text())
    assert after["forecast"]["person_days_last_day"] < before["forecast"]["person_days_last_day"]
    assert before["forecast"]["person_days_last_day"] == pytest.approx(PEOPLE)
    assert after["people_in_city_at_start"] == pytest.approx(PEOPLE)
    assert after["convoys"]["total_tonnes"] < before["convoys"]["total_tonnes"]
    staffing = after["staffing"]["corridors"]
    assert sum(c["people"] for c in staffing) == pytest.approx(PEOPLE, abs=1)
    assert all(c["food_counters_peak"] >= 1 for c in staffing if c["people"] > 0)
    rows = list(csv.reader((goes / "corridor_staffing.csv").open(encoding="utf-8")))
    assert rows[1][0] == "#loc+code+corridor"
    assert not [w for w in after["warnings"] if "was made for" in w]
    # a damaged schedule is one line naming the file and the row
    schedule = plan_dir / "schedule.csv"
    schedule.write_text(schedule.read_text(encoding="utf-8") + "C1,gate\n", encoding="utf-8")
    assert main([*args, str(tmp_path / "bad"), "--plan", str(plan_dir)]) == 2
    err = capsys.readouterr().err.strip()
    assert "schedule.csv: row" in err and err.count("\n") == 0
    assert after["needs_at_end"]["people"] < after["needs_at_start"]["people"] == PEOPLE


def test_csv_reads_as_hxl(tmp_path):
    scenario = _scenario(tmp_path)
    out = tmp_path / "relief"
    assert main(["supplies", str(scenario), "--out", str(out), "--no-siting"]) == 0
    source = hxl.data(str(out / "stock_forecast.csv"), hxl.InputOptions(allow_local=True))
    rows = [r for r in source if r.get("#item+code") == "cereal"]
    assert len(rows) == 20
    need = sum(float(r.get("#indicator+need")) for r in rows)
    assert need == pytest.approx(20 * PEOPLE * 0.4, rel=1e-6)


@pytest.mark.parametrize(
    ("extra", "args", "message"),
    [
        (
            "windows = { intervals = [[2030-01-01T08:00:00, 2030-01-01T10:00:00]] }\n",
            [],
            "lies outside the scenario's period",
        ),
        ("", ["--sites", "5"], "--sites: 5 sites asked for but there are 1 candidate sites"),
        ("", ["--draws", "0"], "--draws 0"),
    ],
)
def test_bad_input_is_one_line(tmp_path, capsys, extra, args, message):
    scenario = _scenario(tmp_path)
    if extra:  # replace the daily windows by an interval outside the period
        text = scenario.read_text(encoding="utf-8").replace(
            'windows = { daily = [["08:00", "12:00"]] }\n', extra
        )
        scenario.write_text(text, encoding="utf-8")
    assert main(["supplies", str(scenario), "--out", str(tmp_path / "o"), *args]) == 2
    err = capsys.readouterr().err.strip()
    assert message in err
    assert err.count("\n") == 0


def test_missing_plan_folder(tmp_path, capsys):
    scenario = _scenario(tmp_path)
    code = main(["supplies", str(scenario), "--out", str(tmp_path / "o"), "--plan",
                 str(tmp_path / "nope")])  # fmt: skip
    assert code == 2
    assert "no plan.npz" in capsys.readouterr().err


def test_schedule_is_read_by_corridor_group_and_hour(tmp_path):
    from safepassage.io.relief_files import read_schedule_arrivals

    path = tmp_path / "schedule.csv"
    path.write_text(
        "corridor,corridor name,group,hour start,hour end,planned arrivals,planned crossings\n"
        "#loc+code+corridor,#loc+name+corridor,#meta+group,#date+start,#date+end,#a,#c\n"
        "C1,gate,general,T09,T10,100,60\n"
        "C1,gate,frail,T09,T10,10,10\n"
        "C1,gate,general,T10,T11,0,50\n"
        "C2,road,general,T10,T11,5,5\n",
        encoding="utf-8",
    )
    hours, arrivals = read_schedule_arrivals(path)
    assert hours == ("T09", "T10")
    assert arrivals["C1"]["general"].tolist() == [100.0, 0.0]
    assert arrivals["C2"]["general"].tolist() == [0.0, 5.0]
    _, crossings = read_schedule_arrivals(path, column="planned crossings")
    assert crossings["C1"]["general"].tolist() == [60.0, 50.0]
