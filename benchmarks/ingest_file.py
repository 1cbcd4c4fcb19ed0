"""Ingest of a large respondent-level KoBoToolbox export of crossings (issue 6, rule R10).

A form filled once per person crossing: N submissions (corridor, minute window, sex, age band,
a name and a phone number that are never stored) over the last days. The file is ingested
three times: whole; again (every submission already counted); and as the next export, with 10 %
more submissions. Prints the seconds each takes, the submissions per second and the counts
they were summed into.

    .venv/bin/python benchmarks/ingest_file.py [--submissions 100000] [--db URL]

Without ``--db`` a temporary SQLite file is used; give a PostgreSQL URL of an empty database
to measure there (it is migrated first).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import tempfile
import time
import uuid
from pathlib import Path

from safepassage.api.routes.ingest import ingest_file
from safepassage.storage import open_database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.operations import create_corridor, create_operation
from safepassage.storage.types import Role

HEADER = (
    "start;end;person/corridor;person/window_start;person/window_end;person/people;"
    "person/sex;person/age_band;respondent_name;phone;_id;_uuid;_submission_time\n"
)
AGES = ("0-4", "5-17", "18-59", "60+")


def _export(count: int, seed: int = 7) -> list[str]:
    """``count`` submissions over the last three days, oldest first (as KoBo exports them)."""
    rng = random.Random(seed)
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first = now - dt.timedelta(days=3)
    rows = []
    for n in range(count):
        start = first + dt.timedelta(seconds=int(n * (3 * 86_400 - 7200) / count))
        end = start + dt.timedelta(minutes=1)
        own = uuid.UUID(int=rng.getrandbits(128), version=4)
        rows.append(
            f"{start.isoformat()};{end.isoformat()};C{rng.randint(1, 4)};{start.isoformat()};"
            f"{end.isoformat()};1;{rng.choice(('female', 'male'))};{rng.choice(AGES)};"
            f"Person {n};+963 {n:07d};{n};{own};{end.isoformat()}\n"
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--submissions", type=int, default=100_000)
    parser.add_argument("--db", help="database URL (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or str(Path(tmp) / "ops.db")
        database = open_database(url)
        with database.session() as session:
            organisation = ensure_organisation(session, "WFP")
            user, _ = create_user(session, organisation, role=Role.PLANNER, name="bench")
            operation = create_operation(session, user, code="bench", name="Bench")
            for n in range(1, 5):
                create_corridor(session, user, operation, code=f"C{n}", name=f"Corridor {n}")
            session.expunge_all()
        rows = _export(args.submissions + args.submissions // 10)
        whole = (HEADER + "".join(rows[: args.submissions])).encode()
        later = (HEADER + "".join(rows)).encode()
        backend = database.engine.dialect.name
        print(f"{args.submissions:,} submissions, {len(whole) / 1e6:.1f} MB, {backend}")
        for label, content in (
            ("first ingest", whole),
            ("same file again", whole),
            ("next export (+10 %)", later),
        ):
            began = time.perf_counter()
            result = ingest_file(database, user, operation, "crossings", content)
            took = time.perf_counter() - began
            print(
                f"{label:>20}: {took:6.2f} s  {result.rows / took:9,.0f} submissions/s  "
                f"counted {result.counted:,} into {result.created:,} counts, "
                f"{result.duplicates:,} already counted"
            )
        database.dispose()


if __name__ == "__main__":
    main()
