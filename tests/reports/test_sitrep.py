"""`safepassage sitrep`: figures from the record and the plan, small counts suppressed, the PDF's
text (English and Arabic in logical order), pages rendered to PNG, and one-line errors.

The record is written here, row by row, so every expected figure is computed in the test from
the rows it wrote, not by the code under test.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from safepassage.cli.main import main
from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.model.scenario import CorridorStatus
from safepassage.reports.plan_bundle import build_plan_bundle
from safepassage.reports.sitrep import SitrepRequest, gather_sitrep, sitrep_html
from safepassage.storage import open_database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.disclosure import rounded
from safepassage.storage.models import (
    CorridorStatusChange,
    CrossingCount,
    Delivery,
    Incident,
    StockEntry,
)
from safepassage.storage.operations import create_operation
from safepassage.storage.plan_bundles import publish_plan_bundle
from safepassage.storage.records import submit_records
from safepassage.storage.types import IncidentType, Role, Severity, StockKind
from tests.reports.test_leaflets import _BIDI_CONTROLS, _HARAKAT, logical_lines, pdftotext

HOUR = dt.timedelta(hours=1)
PERIOD_H = 24
# (corridor, window start in hours after the plan's start, people): the record of crossings
CROSSINGS = [
    ("north", -6, 70),  # before the period
    ("north", 1, 1200),
    ("north", 2, 900),
    ("south", 1, 800),
    ("south", 2, 3),
    ("east", 1, 3),  # the east corridor's only count: small, shown as <5
]
AS_OF_H = 20  # the report's "as of", in hours after the plan's start


def _cid() -> uuid.UUID:
    return uuid.uuid4()


def _crossing_rows(start: dt.datetime, ids: dict[str, int]) -> list[dict[str, Any]]:
    return [
        {
            "client_id": _cid(),
            "corridor_id": ids[code],
            "window_start": start + h * HOUR,
            "window_end": start + (h + 1) * HOUR,
            "group": "general",
            "people": people,
        }
        for code, h, people in CROSSINGS
    ]


def _other_rows(start: dt.datetime, ids: dict[str, int]) -> dict[type, list[dict[str, Any]]]:
    stock = {"warehouse": "main", "item": "cereal", "unit": "kg", "note": ""}
    return {
        CorridorStatusChange: [
            {
                "client_id": _cid(),
                "corridor_id": ids["south"],
                "status": status,
                "reason": reason,
                "event_time": start + h * HOUR,
            }
            for status, reason, h in [
                (CorridorStatus.SUSPENDED, "shelling nearby", 5),
                (CorridorStatus.OPEN, "reopened", 8),
            ]
        ],
        StockEntry: [
            {
                "client_id": _cid(),
                "kind": StockKind.RECEIPT,
                "quantity": 10_000.0,
                "event_time": start - HOUR,
                **stock,
            },
            {
                "client_id": _cid(),
                "kind": StockKind.DISTRIBUTION,
                "quantity": 1_000.0,
                "event_time": start + HOUR,
                **stock,
            },
            {
                "client_id": _cid(),
                "kind": StockKind.DISTRIBUTION,
                "quantity": 1_000.0,
                "event_time": start + 2 * HOUR,
                **stock,
            },
        ],
        Delivery: [
            {
                "client_id": _cid(),
                "event_time": start + 3 * HOUR,
                "warehouse": "main",
                "item": "cereal",
                "quantity": 5_000.0,
                "unit": "kg",
                "trucks": 1,
                "note": "",
            }
        ],
        Incident: [
            {
                "client_id": _cid(),
                "event_time": start + h * HOUR,
                "type": kind,
                "severity": severity,
                "corridor_id": ids["south"],
                "place": "secret place",
                "description": "secret description",
            }
            for kind, severity, h in [
                (IncidentType.SHELLING, Severity.HIGH, 5),
                (IncidentType.CROWD, Severity.LOW, 2),
            ]
        ],
    }


@pytest.fixture(scope="module")
def bundle(planned_city: tuple[Path, Path]) -> dict[str, Any]:
    scenario, plan_dir = planned_city
    return build_plan_bundle(prepare_scenario(load_scenario(scenario)), plan_dir)


def _write_db(path: Path | str, bundle: dict[str, Any] | None) -> Path | str:
    """An operation "tiny" (with the plan published when given) and the record above, in a
    SQLite file or a database URL."""
    database = open_database(str(path), migrate=True)
    try:
        with database.session() as session:
            organisation = ensure_organisation(session, "OCHA")
            user, _ = create_user(session, organisation, role=Role.ADMIN, name="test")
            operation = create_operation(session, user, code="tiny", name="Tiny walled city")
            if bundle is None:
                return path
            publish_plan_bundle(session, user, operation, bundle)
        with database.session() as session:
            from sqlalchemy import select

            from safepassage.storage.models import Corridor

            query = select(Corridor.code, Corridor.id).where(Corridor.operation_id == operation.id)
            ids = dict(session.execute(query).tuples().all())
            start = dt.datetime.fromisoformat(bundle["scenario"]["start"])
            rows = {CrossingCount: _crossing_rows(start, ids), **_other_rows(start, ids)}
            for model, items in rows.items():
                submit_records(session, model, items, user=user, operation_id=operation.id)
    finally:
        database.dispose()
    return path


@pytest.fixture(scope="module")
def db_path(bundle: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return Path(_write_db(tmp_path_factory.mktemp("sitrep") / "ops.db", bundle))


def _as_of(bundle: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(bundle["scenario"]["start"]) + AS_OF_H * HOUR


def _expected(bundle: dict[str, Any]) -> dict[str, Any]:
    """The figures, from the rows written above and the plan bundle's own series."""
    start = dt.datetime.fromisoformat(bundle["scenario"]["start"])
    as_of = _as_of(bundle)
    period_start = as_of - PERIOD_H * HOUR
    in_period: dict[str, int] = {}
    to_date = 0
    for code, h, people in CROSSINGS:
        end = start + (h + 1) * HOUR
        to_date += people
        if period_start < end <= as_of:
            in_period[code] = in_period.get(code, 0) + people
    planned = 0.0
    for hour, *series in zip(
        bundle["hours"], *(c["crossings"] for c in bundle["planned"].values()), strict=False
    ):
        begin = dt.datetime.fromisoformat(hour)
        if period_start <= begin and begin + HOUR <= as_of:
            planned += sum(series)
    return {
        "period": in_period,
        "total": sum(in_period.values()),
        "to_date": to_date,
        "inside": bundle["population"] - to_date,
        "planned": planned,
    }


@pytest.mark.service
def test_the_same_figures_on_each_backend(db_url, bundle):
    _write_db(db_url, bundle)
    _check_figures(db_url, bundle)


def test_figures_come_from_the_record_and_plan(db_path, bundle):
    _check_figures(str(db_path), bundle)


def _check_figures(url: str, bundle: dict[str, Any]) -> None:
    database = open_database(url, migrate=False)
    try:
        request = SitrepRequest("tiny", as_of=_as_of(bundle), period_hours=PERIOD_H)
        figures = gather_sitrep(database, request)
    finally:
        database.dispose()
    expected = _expected(bundle)
    totals = figures.totals
    assert totals["crossed"].value == expected["total"] == 2906
    # totals to date are rounded to 10: exact ones, report after report, would give hidden counts
    assert totals["crossed_to_date"].value == rounded(expected["to_date"])
    assert totals["inside"].value == pytest.approx(
        bundle["population"] - rounded(expected["to_date"])
    )
    assert totals["planned"].value == pytest.approx(expected["planned"], abs=0.5)
    by_code = {c.code: c for c in figures.corridors}
    assert by_code["north"].crossed.value == expected["period"]["north"]
    # east's 3 is small: "<5"; south, the smallest other count in that column, is hidden too
    assert by_code["east"].crossed.hidden == "<5"
    assert by_code["south"].crossed.hidden == "x" and by_code["south"].share.hidden == "x"
    assert by_code["south"].not_open_h == pytest.approx(3.0)
    assert by_code["south"].status is CorridorStatus.OPEN
    assert totals["incidents"].value == 2 and totals["high_incidents"].value == 1
    assert totals["trucks"].value == 1
    cereal = next(s for s in figures.stocks if s.item == "cereal")
    assert cereal.balance.value == 8_000.0
    assert cereal.cover_days.value == pytest.approx(8_000.0 / (2_000.0 / 3))
    assert figures.number == 1 and figures.classification.value == "restricted"
    # every figure names its sources, and every source is listed
    refs = {s.ref for s in figures.sources}
    assert all(set(f.refs) <= refs and f.refs for f in totals.values())
    assert any("crossing_counts" in s.text for s in figures.sources)
    assert any(s.origin == "plan" for s in figures.sources)
    html = sitrep_html(figures, lang="en")
    assert "secret" not in html  # incident places and descriptions stay in the record
    assert "http://" not in html.replace('"http://www.w3.org/2000/svg"', "").replace(
        '"http://www.w3.org/1999/xlink"', ""
    )


def _run(args: list[str], capsys) -> tuple[int, str]:
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.err


def test_bad_input_is_one_line(db_path, bundle, tmp_path, capsys):
    out = str(tmp_path / "s.pdf")
    no_plan = _write_db(tmp_path / "no_plan.db", None)
    cases = [
        (["--db", str(db_path), "--operation", "nowhere"], "no such operation"),
        (["--db", str(tmp_path / "missing.db"), "--operation", "tiny"], "no such database file"),
        (
            ["--db", "postgresql://nobody@127.0.0.1:1/none", "--operation", "tiny"],
            "cannot open the database",
        ),
        (["--db", str(no_plan), "--operation", "tiny"], "has no published plan"),
        (["--db", str(db_path), "--operation", "tiny", "--period-hours", "2"], "--period-hours"),
        (["--db", str(db_path), "--operation", "tiny", "--as-of", "yesterday"], "--as-of"),
    ]
    for args, message in cases:
        code, err = _run(["sitrep", *args, "--out", out], capsys)
        assert code == 2, (args, err)
        assert message in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
    assert not Path(out).exists()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_sitrep_pdfs(db_path, bundle, tmp_path, chromium):
    expected = _expected(bundle)
    before = _digest(db_path)
    as_of = _as_of(bundle).isoformat()
    texts = {}
    for lang in ("en", "ar"):
        out = tmp_path / f"sitrep.{lang}.pdf"
        args = ["sitrep", "--db", str(db_path), "--operation", "1", "--lang", lang]
        assert main([*args, "--as-of", as_of, "--out", str(out)]) == 0
        texts[lang] = pdftotext(out)
        reader = PdfReader(out)
        assert 2 <= len(reader.pages) <= 6
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx((595.3, 841.9), abs=1)
        subprocess.run(["pdftoppm", "-png", "-r", "40", str(out), str(tmp_path / lang)], check=True)
        assert len(list(tmp_path.glob(f"{lang}-*.png"))) == len(reader.pages)
    assert _digest(db_path) == before  # read only
    for lang, content in texts.items():
        words = set(_BIDI_CONTROLS.sub(" ", content).split())
        for value in (expected["total"], rounded(expected["to_date"]), expected["period"]["north"]):
            assert f"{value:,}" in words, (lang, value)
        inside = bundle["population"] - rounded(expected["to_date"])
        assert f"{inside:,.0f}" in words
        assert f"{expected['planned']:,.0f}" in words
        assert "<5" in content
    en = texts["en"]
    assert en.count("RESTRICTED: for the organisations of operation tiny only.") >= 2  # each page
    assert "Situation Report No. 1" in en
    assert "Corridor South Gate was not open for 3 h of the period." in " ".join(en.split())
    assert "2 incidents were reported in the period, 1 of them" in " ".join(en.split())
    assert "leaving is voluntary" in en
    lines = logical_lines(texts["ar"])
    for phrase in (
        "أبرز النقاط",
        "أرقام رئيسية",
        "نظرة عامة على الوضع",
        "الممرات والعبور مقارنة بالخطة",
    ):
        assert any(_HARAKAT.sub("", phrase) in line for line in lines), phrase
    assert any("المغادرة طوعية" in line for line in lines)
    assert sum("لا تنشر هذا التقرير" in line for line in lines) >= 2
