"""The situation report PDF for Coquimbo with a week of hourly crossings (issue 7: under 10 s).

Set-up (once, cached in --work): the Coquimbo plan (and relief, if given) is published to an
operation in a SQLite record with a SIMULATED week of hourly crossing counts per corridor and
group, as ``dashboard_render.py`` builds it. Then ``safepassage sitrep`` runs as a user would
(a new process: Python start-up, reading the record, the map and charts, chromium, the PDF),
for English and Arabic, mid-operation (48 h after the plan's start) and as of the latest
record; and the same in-process, split into reading the figures and rendering.

    .venv/bin/safepassage plan examples/coquimbo/scenario.toml --out /tmp/coq_plan
    .venv/bin/python benchmarks/sitrep_render.py --plan /tmp/coq_plan [--relief /tmp/coq_relief]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from safepassage.reports.sitrep import SitrepRequest, gather_sitrep, write_sitrep
from safepassage.storage import open_database

ROOT = Path(__file__).resolve().parents[1]
OPERATION = "coquimbo"  # as dashboard_render.py names it
TARGET_S = 10.0


def _cli(db: Path, out: Path, lang: str, as_of: str | None) -> float:
    command = [sys.executable, "-m", "safepassage", "sitrep", "--db", str(db)]
    command += ["--operation", OPERATION, "--lang", lang, "--out", str(out)]
    if as_of:
        command += ["--as-of", as_of]
    t = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - t


def _in_process(db: Path, out: Path, lang: str, as_of: dt.datetime | None) -> None:
    t = time.perf_counter()
    database = open_database(str(db), migrate=False)
    try:
        figures = gather_sitrep(database, SitrepRequest(OPERATION, as_of=as_of))
    finally:
        database.dispose()
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    write_sitrep(figures, out, lang=lang)  # type: ignore[arg-type]
    render_s = time.perf_counter() - t
    tot = figures.totals
    print(
        f"  in-process {lang}: figures {read_s:.2f} s, HTML+chromium+PDF {render_s:.2f} s; "
        f"No. {figures.number} as of {figures.as_of:%Y-%m-%d %H:%M}Z, "
        f"crossed in period {tot['crossed'].value:,.0f} of {tot['planned'].value:,.0f} planned, "
        f"to date {tot['crossed_to_date'].value:,.0f}, inside {tot['inside'].value:,.0f} "
        f"(plan {tot['planned_inside'].value:,.0f}), corridors open "
        f"{tot['corridors_open'].value:.0f}/{tot['corridors'].value:.0f}, incidents "
        f"{tot['incidents'].value:.0f}, gaps {len(figures.gaps)}, sources {len(figures.sources)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scenario", type=Path, default=ROOT / "examples/coquimbo/scenario.toml")
    parser.add_argument("--plan", type=Path, default=Path("/tmp/coq_plan"))
    parser.add_argument("--relief", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sitrep_bench"))
    parser.add_argument("--days", type=float, default=7.0)
    args = parser.parse_args()
    if not (args.plan / "plan.json").exists():
        sys.exit(f"{args.plan}: no plan; run `safepassage plan {args.scenario} --out {args.plan}`")
    args.work.mkdir(parents=True, exist_ok=True)
    db = args.work / "ops.sqlite"
    if not db.exists():
        partial = args.work / "ops.partial.sqlite"
        partial.unlink(missing_ok=True)
        # the same record as the dashboard benchmark: one set-up for both
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        from dashboard_render import build_record

        build_record(partial, args.scenario, args.plan, args.relief, args.days)
        partial.rename(db)
    start = dt.datetime.fromisoformat(json.loads((args.plan / "plan.json").read_text())["start"])
    middle = start + dt.timedelta(hours=48)
    worst = 0.0
    for label, as_of in (("48 h after the start", middle), ("latest record", None)):
        print(f"sitrep as of the {label}:")
        for lang in ("en", "ar"):
            out = args.work / f"sitrep-{lang}-{'mid' if as_of else 'latest'}.pdf"
            seconds = _cli(db, out, lang, as_of.isoformat() if as_of else None)
            worst = max(worst, seconds)
            pages = len(PdfReader(out).pages)
            print(
                f"  safepassage sitrep --lang {lang}: {seconds:.2f} s end to end, {pages} pages, "
                f"{out.stat().st_size / 1e3:,.0f} kB ({out})"
            )
            _in_process(db, out.with_suffix(".inproc.pdf"), lang, as_of)
    verdict = "within" if worst < TARGET_S else "ABOVE"
    print(f"slowest sitrep {worst:.2f} s end to end: {verdict} the {TARGET_S:g} s target")


if __name__ == "__main__":
    main()
