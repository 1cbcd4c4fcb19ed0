"""`safepassage map`: one self-contained HTML file that loads with every outside request blocked."""

from __future__ import annotations

import re

import pytest

from safepassage import OSM_ATTRIBUTION
from safepassage.cli.main import main
from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.map_html import SHORT_ATTRIBUTION
from safepassage.reports.map_layers import street_lines

# anything that makes a browser fetch: src=, href=, url(), @import, srcset
_FETCHING = re.compile(
    r"""(?:\bsrc|\bhref|\bsrcset|\baction|\bposter)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|@import\s+["']?(?:https?:)?//""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def maps(planned_city, tmp_path_factory):
    scenario, plan_dir = planned_city
    out = tmp_path_factory.mktemp("maps")
    paths = {}
    for lang in ("en", "ar"):
        paths[lang] = out / f"map.{lang}.html"
        args = ["map", str(scenario), "--plan", str(plan_dir), "--out", str(paths[lang])]
        assert main([*args, "--lang", lang]) == 0
    return paths


def test_map_is_self_contained(maps):
    html = maps["en"].read_text(encoding="utf-8")
    tags = re.findall(r"<script\b[^>]*>", html, flags=re.IGNORECASE)
    assert tags and all("src" not in tag.lower() for tag in tags)
    # the page outside its inline scripts: plotly.js itself holds URLs of trace types the map
    # never uses (tile maps); the browser test below shows none is ever requested
    page = re.sub(r"<script\b.*?</script>", "", html, flags=re.IGNORECASE | re.DOTALL)
    assert "North Gate" not in page  # the data is in the scripts, so they were cut out
    assert not _FETCHING.findall(page)
    assert "<link" not in page.lower() and "http" not in page.lower()
    assert len(html.encode("utf-8")) < 10_000_000


def test_map_shows_corridors_routes_and_attribution(maps):
    html = maps["en"].read_text(encoding="utf-8")
    for name in ("North Gate", "South Gate", "East assisted exit", "Routes to North Gate"):
        assert name in html
    assert "OpenStreetMap contributors (ODbL)" in html  # the map's own label (JSON-escaped ©)
    assert OSM_ATTRIBUTION in html  # and the page's footer
    assert "Al-Midan" in html and "Collapsed block" in html
    assert 'dir="ltr"' in html


def test_arabic_map_is_right_to_left(maps):
    html = maps["ar"].read_text(encoding="utf-8")
    assert re.search(r'<html lang="ar" dir="rtl">', html)
    assert "خريطة الإجلاء والإغاثة" in html and OSM_ATTRIBUTION in html


def test_map_without_plan_and_bad_inputs(planned_city, tmp_path, capsys):
    scenario, _ = planned_city
    out = tmp_path / "bare.html"
    assert main(["map", str(scenario), "--out", str(out)]) == 0
    assert "Routes to" not in out.read_text(encoding="utf-8")
    assert main(["map", str(scenario), "--out", str(out), "--lang", "fr"]) == 2
    assert main(["map", str(scenario), "--plan", str(tmp_path / "nope"), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert "unknown language 'fr'" in err and "plan folder not found" in err


def test_plan_of_another_scenario_is_refused(planned_city, tmp_path, capsys):
    scenario, plan_dir = planned_city
    other = tmp_path / "other.toml"
    text = scenario.read_text(encoding="utf-8").replace('id = "south"', 'id = "southwest"')
    other.write_text(text, encoding="utf-8")
    for name in ("city.osm.pbf", "districts.geojson"):
        (tmp_path / name).write_bytes((scenario.parent / name).read_bytes())
    args = ["map", str(other), "--plan", str(plan_dir), "--out", str(tmp_path / "m.html")]
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "plan.json" in err and "not for" in err and err.strip().count("\n") == 0


def test_large_networks_are_simplified(planned_city):
    prepared = prepare_scenario(load_scenario(planned_city[0]))
    full, tolerance = street_lines(prepared.network)
    assert tolerance == 0.0
    small, tolerance = street_lines(prepared.network, max_vertices=full.vertices - 1)
    assert tolerance > 0 and small.vertices <= full.vertices  # a grid has nothing to drop


@pytest.mark.slow
def test_map_loads_offline_in_chromium(maps, chromium):
    from safepassage.reports.pdf import launch_chromium

    attempted: list[str] = []

    own = maps["ar"].as_uri()

    def only_the_file(route):
        url = route.request.url
        if url == own or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    with launch_chromium(chromium) as (_, browser):
        page = browser.new_page(viewport={"width": 1100, "height": 800})
        page.route("**/*", only_the_file)
        page.goto(maps["ar"].as_uri(), wait_until="load")
        page.wait_for_selector("#safepassage-map .main-svg", timeout=15_000)
        assert page.evaluate("document.documentElement.dir") == "rtl"
        labels = " | ".join(page.locator("#safepassage-map text").all_text_contents())
        assert "North Gate" in labels and "South Gate" in labels
        assert "3,000/h" in labels  # the corridor's throughput beside its name
        assert SHORT_ATTRIBUTION in labels
    assert attempted == []
