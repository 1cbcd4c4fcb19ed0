"""``safepassage ingest`` and ``safepassage export`` on the database directly: the same rules as
the API, one clear line and exit code 2 on bad input, nothing half-written."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from safepassage.cli import main as cli_main
from tests.service.conftest import NOW, World
from tests.service.test_ingest import KOBO_CSV
from tests.service.test_ingest_tables import DELIVERIES_ODK_CSV, INCIDENTS_HXL

pytestmark = pytest.mark.service


def run(world: World, db: str, who: str, *args: str) -> int:
    token = world.tokens[who]
    return cli_main.main(
        [*args[:1], "--db", db, "--operation", "aleppo", "--token", token, *args[1:]]
    )


def test_ingest_takes_a_file_once(world: World, db_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "kobo.csv"
    path.write_text(KOBO_CSV, encoding="utf-8")
    assert run(world, db_url, "wfp_planner", "ingest", "--table", "crossings", str(path)) == 0
    assert "2 crossing submission(s)" in capsys.readouterr().out
    assert run(world, db_url, "wfp_planner", "ingest", "--table", "crossings", str(path)) == 0
    assert "0 new count(s) per corridor and hour, 2 already counted" in capsys.readouterr().out
    assert len(world.get("wfp_viewer", "/operations/aleppo/crossings").json()) == 2
    incidents = tmp_path / "incidents.csv"
    incidents.write_text(INCIDENTS_HXL, encoding="utf-8")
    assert run(world, db_url, "icrc_monitor", "ingest", "--table", "incidents", str(incidents)) == 0
    assert "(hxl_csv): 2 new" in capsys.readouterr().out


def test_ingest_errors_are_one_line_naming_file_row_and_column(  # type: ignore[no-untyped-def]
    world: World, db_url: str, tmp_path: Path, capsys
) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text(KOBO_CSV.replace(";45;", ";many;"), encoding="utf-8")
    assert run(world, db_url, "wfp_planner", "ingest", "--table", "crossings", str(bad)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"{bad}: nothing stored; 1 problem(s): row 3, column count/people:" in err
    assert world.get("wfp_viewer", "/operations/aleppo/crossings").json() == []
    good = tmp_path / "deliveries.csv"
    good.write_text(DELIVERIES_ODK_CSV, encoding="utf-8")
    cases = [
        ("wfp_monitor", "deliveries", good, "role 'monitor' may not submit logistics"),
        ("wfp_logistics", "people", good, "--table 'people': use one of crossings"),
        ("wfp_logistics", "deliveries", tmp_path / "none.csv", "none.csv: cannot read the file"),
    ]
    for who, table, path, message in cases:
        assert run(world, db_url, who, "ingest", "--table", table, str(path)) == 2
        assert message in capsys.readouterr().err
    assert run(world, db_url, "msf_admin", "ingest", "--table", "deliveries", str(good)) == 2
    assert "does not take part" in capsys.readouterr().err
    args = ["ingest", "--db", db_url, "--operation", "aleppo", "--token", "nope"]
    assert cli_main.main([*args, "--table", "deliveries", str(good)]) == 2
    assert "--token: not recognised or revoked" in capsys.readouterr().err


def test_export_writes_the_table_as_the_user_may_see_it(  # type: ignore[no-untyped-def]
    world: World, db_url: str, tmp_path: Path, capsys
) -> None:
    path = tmp_path / "deliveries.csv"
    path.write_text(DELIVERIES_ODK_CSV, encoding="utf-8")
    assert run(world, db_url, "wfp_logistics", "ingest", "--table", "deliveries", str(path)) == 0
    out = tmp_path / "out" / "deliveries.csv"
    args = ["--table", "deliveries", "--format", "hxl", "--out", str(out)]
    assert run(world, db_url, "wfp_viewer", "export", *args) == 0
    assert "2 row(s) of deliveries" in capsys.readouterr().out
    rows = list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))
    assert "classification: restricted" in rows[0][0] and "#item+code" in rows[2]
    # ICRC sees none of WFP's restricted deliveries
    assert run(world, db_url, "icrc_planner", "export", *args) == 0
    assert len(list(csv.reader(io.StringIO(out.read_text(encoding="utf-8"))))) == 3
    geo = tmp_path / "corridors.geojson"
    args = ["--table", "corridors", "--format", "geojson", "--out", str(geo)]
    assert run(world, db_url, "icrc_planner", "export", *args) == 0
    assert json.loads(geo.read_text(encoding="utf-8"))["safepassage"]["classification"] == "public"


def test_the_public_export_goes_through_the_disclosure_pipeline(  # type: ignore[no-untyped-def]
    world: World, db_url: str, tmp_path: Path, capsys
) -> None:
    # 3 and 150 in the same 6-hour window (the 3 hidden, the 150 hidden to protect it), days
    # ago so that the windows have settled; 200 in the next window
    base = (NOW - dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    base -= dt.timedelta(hours=base.hour % 6)

    def at(hours: float) -> str:
        return (base + dt.timedelta(hours=hours)).isoformat()

    counts = [
        {"client_id": f"00000000-0000-4000-8000-00000000000{i}", "corridor": c, "people": n,
         "window_start": at(h), "window_end": at(h + 0.5)}
        for i, (c, n, h) in enumerate([("C1", 3, 1), ("C1", 200, 7), ("C2", 150, 1)])
    ]  # fmt: skip
    assert world.post("wfp_planner", "/operations/aleppo/crossings/batch", {"items": counts})
    out = tmp_path / "public.geojson"
    args = ["--table", "crossings", "--public", "--format", "geojson", "--out", str(out)]
    assert run(world, db_url, "icrc_monitor", "export", *args) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["safepassage"]["classification"] == "public"
    first = at(0).replace("+00:00", "Z")
    cells = {
        p["corridor"]: p["people crossed"]
        for p in (f["properties"] for f in data["features"])
        if p["window start"] == first and p["window end"] == at(6).replace("+00:00", "Z")
    }
    assert (cells["C1"], cells["C2"]) == ("<5", "x")  # the 150 is hidden to protect the 3
    assert run(world, db_url, "icrc_monitor", "export", *args, "--window-hours", "1") == 2
    assert "use one of (6, 12, 24)" in capsys.readouterr().err


def test_refused_exports_write_nothing(world: World, db_url: str, tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "exports" / "x.geojson"
    cases = [
        (["--table", "deliveries", "--public"], "only crossings have a public export"),
        (["--table", "stock", "--format", "geojson"], "stock rows have no place"),
        (["--table", "stock", "--format", "xlsx"], "--format 'xlsx': use hxl or geojson"),
    ]
    for args, message in cases:
        assert run(world, db_url, "wfp_admin", "export", *args, "--out", str(out)) == 2
        assert message in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    args = ["--table", "stock", "--out", str(blocker / "stock.csv")]
    assert run(world, db_url, "wfp_admin", "export", *args) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert not out.parent.exists() and blocker.read_text(encoding="utf-8") == "x"
