"""The dashboard in Chromium: first complete render, and how soon a write shows (issue 7).

Set-up (once, cached in --work): the Coquimbo plan (and relief, if given) is published to an
operation in a SQLite record, with a SIMULATED week of hourly crossing counts per corridor and
group (``storage.simulated_record``; the hours after the plan's last crossing are filled with
zero counts so that the record spans the whole week). Then a real ``safepassage serve`` runs on
loopback and Debian's chromium (driven by Playwright, every outside request refused) opens the
dashboard with a viewer token:

- first complete render: from navigation start until the map, every chart and the alerts are
  drawn (the page records ``performance.now()`` then), in a fresh browser context (nothing
  cached) and on a reload (plotly.js from the browser cache);
- live update: a planner posts a late crossing count through the API; the time from the write's
  acknowledgement until the page has drawn it.

    .venv/bin/safepassage plan examples/coquimbo/scenario.toml --out /tmp/coq_plan
    .venv/bin/safepassage supplies examples/coquimbo/scenario.toml --plan /tmp/coq_plan \\
        --out /tmp/coq_relief
    .venv/bin/python benchmarks/dashboard_render.py --plan /tmp/coq_plan --relief /tmp/coq_relief
    # the screenshots in docs/img, of the demo's operation (`safepassage demo --out /tmp/sp_demo`):
    .venv/bin/python benchmarks/dashboard_render.py \\
        --scenario /tmp/sp_demo/scenario/scenario.toml --plan /tmp/sp_demo/plan \\
        --relief /tmp/sp_demo/relief --work /tmp/dashboard_demo --runs 1 --screenshots docs/img
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import socket
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
from sqlalchemy import select

from safepassage.storage import open_database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.models import Corridor, CrossingCount
from safepassage.storage.records import submit_records
from safepassage.storage.types import Role

ROOT = Path(__file__).resolve().parents[1]
OPERATION = "bench"  # the operation code in the benchmark's own record
CHROMIUM = Path("/usr/bin/chromium")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pad_week(session: Any, user: Any, operation: Any, bundle: dict[str, Any], days: float) -> int:
    """Zero counts per corridor and hour from the plan's last hour to the end of the week."""
    hours = [dt.datetime.fromisoformat(h) for h in bundle["hours"]]
    end = hours[0] + dt.timedelta(days=days)
    query = select(Corridor).where(Corridor.operation_id == operation.id)
    corridors = list(session.scalars(query))
    rows = []
    t = hours[-1] + dt.timedelta(hours=1)
    while t < end:
        for corridor in corridors:
            rows.append(
                {
                    "client_id": uuid.uuid5(uuid.NAMESPACE_URL, f"pad/{corridor.code}/{t}"),
                    "corridor_id": corridor.id,
                    "window_start": t,
                    "window_end": t + dt.timedelta(hours=1),
                    "group": "all",
                    "people": 0,
                }
            )
        t += dt.timedelta(hours=1)
    submit_records(session, CrossingCount, rows, user=user, operation_id=operation.id)
    return len(rows)


def build_record(
    db: Path, scenario: Path, plan_dir: Path, relief_dir: Path | None, days: float
) -> dict[str, str]:
    """A SQLite record with the plan published and a simulated week; returns the tokens."""
    from safepassage.io.prepare import prepare_scenario
    from safepassage.io.scenario_file import load_scenario
    from safepassage.reports.plan_bundle import build_plan_bundle
    from safepassage.storage.operations import create_operation
    from safepassage.storage.plan_bundles import publish_plan_bundle
    from safepassage.storage.simulated_record import simulate_record

    t = time.perf_counter()
    prepared = prepare_scenario(load_scenario(scenario))
    bundle = build_plan_bundle(prepared, plan_dir, relief_dir)
    size = len(json.dumps(bundle))
    print(f"bundle: {size / 1e6:.1f} MB of JSON, built in {time.perf_counter() - t:.1f} s")
    database = open_database(str(db))
    tokens = {}
    with database.session() as session:
        organisation = ensure_organisation(session, "OCHA")
        planner, tokens["planner"] = create_user(
            session, organisation, role=Role.PLANNER, name="bench planner"
        )
        _, tokens["viewer"] = create_user(
            session, organisation, role=Role.VIEWER, name="bench viewer"
        )
        operation = create_operation(session, planner, code=OPERATION, name=prepared.scenario.name)
        publish_plan_bundle(session, planner, operation, bundle)
    with database.session() as session:
        added = simulate_record(session, planner, operation, bundle, days=days, seed=0)
        added["crossing_counts_padding"] = _pad_week(session, planner, operation, bundle, days)
    database.dispose()
    print("simulated record (rows):", added)
    return tokens


def _serve(db: Path, port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "safepassage", "serve", "--db", str(db), "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start in 30 s")


class _Offline:
    """Refuses every request that is not to the test server; remembers what was attempted."""

    def __init__(self, base: str) -> None:
        self.base, self.attempted = base, []

    def __call__(self, route: Any) -> None:
        url = route.request.url
        if url.startswith((self.base, "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.attempted.append(url)
            route.abort()


def _open(browser: Any, base: str, token: str, query: str = "") -> tuple[Any, Any, _Offline]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    offline = _Offline(base)
    page.route("**/*", offline)
    page.goto(f"{base}/{query}#token={token}")
    page.wait_for_function("() => window.safepassageDashboard && window.safepassageDashboard.ready")
    return context, page, offline


def _first_render_ms(page: Any) -> float:
    return float(page.evaluate("window.safepassageDashboard.firstRenderMs"))


def _timings(page: Any) -> dict[str, int]:
    found = page.evaluate(
        """() => ({...window.safepassageDashboard.timings,
          plotlyResponseEndMs: performance.getEntriesByType('resource')
            .find(e => e.name.includes('plotly.min.js')).responseEnd})"""
    )
    return {key: round(value) for key, value in found.items()}


def _live_update_ms(page: Any, base: str, token: str, corridor: str, when: dt.datetime) -> float:
    """Post a late count; milliseconds from its acknowledgement to the page having drawn it."""
    before = page.evaluate("window.safepassageDashboard.renders")
    body = {
        "client_id": str(uuid.uuid4()),
        "corridor": corridor,
        "window_start": when.isoformat(),
        "window_end": (when + dt.timedelta(hours=1)).isoformat(),
        "group": "late_report",
        "people": 37,
    }
    response = httpx.post(
        f"{base}/operations/{OPERATION}/crossings",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
    )
    acknowledged_ms = time.time() * 1000
    response.raise_for_status()
    page.wait_for_function(
        f"() => window.safepassageDashboard.renders > {before}", timeout=15_000, polling=20
    )
    drawn_ms = float(page.evaluate("window.safepassageDashboard.lastRenderEpochMs"))
    return drawn_ms - acknowledged_ms


# where the first corridor is drawn, in page pixels
_CORRIDOR_PIXEL = """() => {
  const d = document.getElementById('sp-map'), L = d._fullLayout;
  const t = d.data.find(t => t.meta === 'corridors'), r = d.getBoundingClientRect();
  return [r.left + L.xaxis._offset + L.xaxis.l2p(t.x[0]),
          r.top + L.yaxis._offset + L.yaxis.l2p(t.y[0])];
}"""


def _screenshots(browser: Any, base: str, token: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for lang in ("en", "ar"):
        context, page, offline = _open(browser, base, token, f"?lang={lang}")
        # open the panel of the first corridor: click it on the map, as a user would
        x, y = page.evaluate(_CORRIDOR_PIXEL)
        page.mouse.click(x, y)
        page.wait_for_selector("#sp-corridor-panel:not([hidden])")
        page.wait_for_timeout(400)
        path = out / f"dashboard-{lang}.png"
        page.screenshot(path=str(path), full_page=True)
        assert not offline.attempted, offline.attempted
        print(f"screenshot: {path}")
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", type=Path, default=ROOT / "examples/coquimbo/scenario.toml")
    parser.add_argument("--plan", type=Path, default=Path("/tmp/coq_plan"))
    parser.add_argument("--relief", type=Path, default=None)
    parser.add_argument("--days", type=float, default=7.0)
    parser.add_argument("--work", type=Path, default=Path("/tmp/dashboard_bench"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--screenshots", type=Path, default=None, help="write PNGs here")
    args = parser.parse_args()
    if not CHROMIUM.exists():
        raise SystemExit(f"{CHROMIUM} missing: apt-get install --no-install-recommends chromium")
    from playwright.sync_api import sync_playwright

    from safepassage.reports.pdf import CHROMIUM_ARGS

    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "ops.db"
    tokens_file = args.work / "tokens.json"
    if not db.exists() or not tokens_file.exists():
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        tokens = build_record(db, args.scenario, args.plan, args.relief, args.days)
        tokens_file.write_text(json.dumps(tokens), encoding="utf-8")
    tokens = json.loads(tokens_file.read_text(encoding="utf-8"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = _serve(db, port)
    try:
        headers = {"Authorization": f"Bearer {tokens['viewer']}", "Accept-Encoding": "gzip"}
        t = time.perf_counter()
        data = httpx.get(f"{base}/operations/{OPERATION}/dashboard/data", headers=headers)
        print(
            f"data endpoint (first call, prepares the plan): {time.perf_counter() - t:.2f} s, "
            f"{len(data.content) / 1e3:.0f} kB; {len(data.json()['hours'])} hours x "
            f"{len(data.json()['corridors'])} corridors"
        )
        t = time.perf_counter()
        httpx.get(f"{base}/operations/{OPERATION}/dashboard/data", headers=headers)
        print(f"data endpoint (again): {(time.perf_counter() - t) * 1000:.0f} ms")
        layers = httpx.get(f"{base}/operations/{OPERATION}/dashboard/map", headers=headers)
        print(
            f"map layers: {len(layers.content) / 1e6:.2f} MB of JSON, "
            f"{layers.num_bytes_downloaded / 1e6:.2f} MB gzipped on the wire"
        )
        corridor = data.json()["corridors"][0]["code"]
        # late reports for hours early in the record (an hour at the plan's start + 6 h)
        first = dt.datetime.strptime(data.json()["hours"][0], "%Y-%m-%d %H:%M")
        late = first.replace(tzinfo=ZoneInfo(data.json()["timezone"])) + dt.timedelta(hours=6)
        # the service refuses counts from the future: a record simulated ahead gets one from now
        late = min(
            late, dt.datetime.now(dt.UTC).replace(minute=0, second=0) - dt.timedelta(hours=4)
        )
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), headless=True, args=list(CHROMIUM_ARGS)
            )
            if args.screenshots:  # first: the late reports below would show in them
                _screenshots(browser, base, tokens["viewer"], args.screenshots)
            cold, warm, live = [], [], []
            for _ in range(args.runs):
                context, page, offline = _open(browser, base, tokens["viewer"])
                cold.append(_first_render_ms(page))
                print("  page timings (ms):", _timings(page))
                page.reload()
                page.wait_for_function("() => window.safepassageDashboard.ready")
                warm.append(_first_render_ms(page))
                for k in range(3):
                    when = late + dt.timedelta(hours=k)
                    live.append(_live_update_ms(page, base, tokens["planner"], corridor, when))
                assert not offline.attempted, offline.attempted
                context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name}: median {statistics.median(values):.0f} ms, "
            f"min {min(values):.0f}, max {max(values):.0f} (n={len(values)})"
        )

    print(line("first complete render, nothing cached", cold))
    print(line("first complete render, reload (plotly.js cached)", warm))
    print(line("live update, write acknowledged -> drawn", live))
    print("outside requests attempted: 0")


if __name__ == "__main__":
    main()
