"""The dashboard in Debian's chromium (Playwright), against a real ``safepassage serve``:
offline, corridors on the map, a posted count drawn live, a corridor's own chart, Arabic RTL."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from safepassage.storage import open_database
from tests.dashboard.conftest import OPERATION, Operated, set_up_operation
from tests.service.server import free_port, start_server

pytestmark = [pytest.mark.slow, pytest.mark.service]

READY = "() => window.safepassageDashboard && window.safepassageDashboard.ready"


@pytest.fixture(scope="module")
def served(
    bundle: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Operated]]:
    """``safepassage serve`` on a free port over a SQLite record of the tiny operation."""
    path = tmp_path_factory.mktemp("dashboard_server") / "ops.db"
    database = open_database(str(path))
    operated = set_up_operation(database, bundle)
    database.dispose()
    port = free_port()
    process = start_server(str(path), port)
    try:
        yield f"http://127.0.0.1:{port}", operated
    finally:
        process.terminate()
        process.wait(timeout=20)


def _recorded(page: Any, corridor: str) -> float:
    """The sum of the corridor's recorded crossings as drawn in the hourly chart."""
    return float(
        page.evaluate(
            """(code) => document.getElementById('sp-crossings').data
                 .filter(t => t.meta === code)
                 .flatMap(t => t.y).reduce((a, v) => a + (v || 0), 0)""",
            corridor,
        )
    )


ARABIC_MONTHS = (
    "يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
    "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر",
)  # fmt: skip


def test_dashboard_offline_live_and_arabic(
    served: tuple[str, Operated], chromium: Path, bundle: dict[str, Any]
) -> None:
    from safepassage.reports.pdf import launch_chromium

    base, operated = served
    attempted: list[str] = []
    problems: list[str] = []

    def only_the_server(route: Any) -> None:
        url = route.request.url
        if url.startswith((base + "/", "data:", "blob:")):
            route.continue_()
        else:
            attempted.append(url)
            route.abort()

    with launch_chromium(chromium) as (_, browser):
        page = browser.new_page(viewport={"width": 1300, "height": 1000})
        page.route("**/*", only_the_server)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.goto(f"{base}/#token={operated.tokens['wfp_viewer']}")
        page.wait_for_function(READY, timeout=20_000)
        # the token left the address bar for the tab's session storage
        assert page.evaluate("location.hash") == ""
        assert page.evaluate("sessionStorage.getItem('safepassage-token')") is not None

        # the map shows every corridor, coloured by status, with its name
        corridors = page.evaluate(
            """() => document.getElementById('sp-map').data
                 .find(t => t.meta === 'corridors').customdata"""
        )
        assert sorted(corridors) == sorted(c["id"] for c in bundle["corridors"])
        labels = " ".join(page.locator("#sp-map text").all_text_contents())
        assert "North Gate" in labels and "South Gate" in labels

        # a late count posted through the API appears in the hourly chart, without a reload
        before = _recorded(page, "north")
        renders = page.evaluate("window.safepassageDashboard.renders")
        hour = dt.datetime.fromisoformat(bundle["hours"][1])
        body = {
            "client_id": str(uuid.uuid4()),
            "corridor": "north",
            "window_start": hour.isoformat(),
            "window_end": (hour + dt.timedelta(hours=1)).isoformat(),
            "group": "late",
            "people": 37,
        }
        response = httpx.post(
            f"{base}/operations/{OPERATION}/crossings",
            json=body,
            headers=operated.auth("wfp_planner"),
        )
        assert response.status_code == 201, response.text
        page.wait_for_function(
            f"() => window.safepassageDashboard.renders > {renders}", timeout=10_000
        )
        assert _recorded(page, "north") == pytest.approx(before + 37)

        # clicking a corridor on the map opens its hourly crossings against the plan
        box = page.evaluate(
            """() => {
              const d = document.getElementById('sp-map'), L = d._fullLayout;
              const t = d.data.find(t => t.meta === 'corridors');
              const i = t.customdata.indexOf('south'), r = d.getBoundingClientRect();
              return [r.left + L.xaxis._offset + L.xaxis.l2p(t.x[i]),
                      r.top + L.yaxis._offset + L.yaxis.l2p(t.y[i])];
            }"""
        )
        page.mouse.click(box[0], box[1])
        page.wait_for_selector("#sp-corridor-panel:not([hidden])", timeout=5_000)
        assert "South Gate" in page.locator("#sp-corridor-title").inner_text()
        traces = page.evaluate("document.getElementById('sp-corridor-chart').data.length")
        assert traces == 2  # recorded bars and the plan

        # Arabic: right to left, Arabic wording and font, the same figures
        page.click("#sp-lang")
        page.wait_for_function("() => document.documentElement.dir === 'rtl'")
        assert page.evaluate("document.documentElement.lang") == "ar"
        assert page.locator("h1").inner_text() == "لوحة متابعة العملية"
        assert "Noto Naskh Arabic" in page.evaluate("getComputedStyle(document.body).fontFamily")
        names = page.evaluate("document.getElementById('sp-inside').data.map(t => t.name)")
        assert "الخطة" in names
        # the date axes in Arabic too (plotly's locale, registered by the page)
        months = "|".join(ARABIC_MONTHS)
        page.wait_for_function(
            "() => [...document.querySelectorAll('#sp-inside .xtick text')]"
            f".some(t => /{months}/.test(t.textContent))",
            timeout=5_000,
        )
        page.close()
    assert attempted == []
    assert problems == []
