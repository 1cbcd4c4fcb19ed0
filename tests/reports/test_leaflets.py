"""`safepassage leaflets`: A5 PDFs per district and language, Arabic in logical order, and no
number of people anywhere on them."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from pypdf import PdfReader

from safepassage.cli.main import main
from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.i18n import parse_langs, text, windows_text
from safepassage.reports.leaflets import leaflet_choices, leaflet_html
from safepassage.reports.plan_input import load_plan_input

_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_EMBEDDED = re.compile("[\u202a\u202b](.*?)\u202c")
# harakat: the shaper may store a tanween before or after the alif it sits on
_HARAKAT = re.compile("[\u064b-\u0652]")
A5_POINTS = (419.5, 595.3)


def logical_lines(pdf_text: str) -> list[str]:
    """Each line of ``pdftotext`` output in logical order, by both readings of its bidi runs.

    Some poppler versions give a right-to-left line in logical order with its runs wrapped in
    embedding controls; others give the runs in page order (left to right), which
    ../shared/reference/browser-and-pdf.md undoes by reversing the runs. Both readings are
    returned; a phrase of several words found in either is in logical order, since a wrong
    order would show the words reversed in both.
    """
    lines = []
    for line in _HARAKAT.sub("", pdf_text).splitlines():
        lines.append(" ".join(_BIDI_CONTROLS.sub("", line).split()))
        pieces = [p.strip() for p in _EMBEDDED.split(line) if p.strip()]
        lines.append(" ".join(_BIDI_CONTROLS.sub("", p) for p in reversed(pieces)))
    return lines


def pdftotext(path) -> str:
    result = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True)
    return result.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def prepared_plan(planned_city):
    scenario, plan_dir = planned_city
    prepared = prepare_scenario(load_scenario(scenario))
    return prepared, load_plan_input(plan_dir, prepared)


def test_choice_is_the_plans_main_corridor_with_an_alternative(prepared_plan):
    prepared, plan = prepared_plan
    choices = {c.area: c for c in leaflet_choices(prepared, plan)}
    assert set(choices) == {"Al-Midan", "Old Town"}
    for area, planned in plan.district_corridors().items():
        choice = choices[area]
        general = {k: v for k, v in planned.items() if k != "east"}  # east: assisted only
        assert choice.corridor.id == max(general, key=general.__getitem__)
        assert choice.alternative is not None and choice.alternative.id != choice.corridor.id
        assert choice.alternative.id != "east"  # not open to everyone
        assert choice.route is not None and choice.route.corridor == choice.corridor.id


def test_leaflet_html_says_it_is_voluntary_and_has_no_counts(prepared_plan):
    prepared, plan = prepared_plan
    for choice in leaflet_choices(prepared, plan):
        for lang in ("en", "ar"):
            html = leaflet_html(choice, prepared, lang=lang)
            assert text(lang, "voluntary") in html
            assert f'dir="{"rtl" if lang == "ar" else "ltr"}"' in html
            assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
            assert "https://" not in html


def test_unknown_language_is_one_line(planned_city, tmp_path, capsys):
    scenario, plan_dir = planned_city
    args = ["leaflets", str(scenario), "--plan", str(plan_dir), "--out", str(tmp_path)]
    assert main([*args, "--lang", "ar,de"]) == 2
    assert "unknown language 'de'" in capsys.readouterr().err
    assert parse_langs("ar, en,ar") == ["ar", "en"]


def _people_figures(summary: dict) -> set[str]:
    """Every count of people in plan.json, as a leaflet could print it."""
    values = [summary["people_expected_to_leave"], summary["evacuees"]]
    values += [c["people"] for c in summary["corridors"]]
    for row in summary["districts"]:
        values += [row["people"], row["unserved"], *row["corridors"].values()]
    shown = set()
    for value in values:
        if value >= 10:
            shown |= {f"{value:.0f}", f"{value:,.0f}", f"{value:.1f}"}
    return shown


@pytest.mark.slow
def test_leaflet_pdfs(planned_city, prepared_plan, tmp_path, chromium):
    scenario, plan_dir = planned_city
    out = tmp_path / "leaflets"
    args = ["leaflets", str(scenario), "--plan", str(plan_dir), "--out", str(out)]
    assert main([*args, "--lang", "ar,en"]) == 0
    pdfs = sorted(out.glob("*.pdf"))
    assert [p.name for p in pdfs] == [
        "leaflet-al-midan.ar.pdf",
        "leaflet-al-midan.en.pdf",
        "leaflet-old-town.ar.pdf",
        "leaflet-old-town.en.pdf",
    ]
    prepared, _ = prepared_plan
    north = next(c for c in prepared.scenario.corridors if c.id == "north")
    counts = _people_figures(json.loads((plan_dir / "plan.json").read_text(encoding="utf-8")))
    for pdf in pdfs:
        reader = PdfReader(pdf)
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert (float(box.width), float(box.height)) == pytest.approx(A5_POINTS, abs=1)
        content = pdftotext(pdf)
        lang = "ar" if pdf.name.endswith(".ar.pdf") else "en"
        lines = logical_lines(content)
        assert "North Gate" in content
        assert "06:00" in content and "18:00" in content
        words = set(re.findall(r"[\d,.]+", content))
        assert not counts & words, f"{pdf.name} shows a number of people: {counts & words}"
        if lang == "en":
            assert any(windows_text(north, "en") in line for line in lines)
            assert "Leaving is your choice." in content
        else:
            for phrase in (
                "الممر المخصص لمنطقتك",
                "ماذا تحمل معك",
                "إذا كان الممر مغلقاً",
                "المساعدة عند الممر",
            ):
                assert any(_HARAKAT.sub("", phrase) in line for line in lines), phrase
            assert any("المغادرة قرارك أنت" in line for line in lines)
