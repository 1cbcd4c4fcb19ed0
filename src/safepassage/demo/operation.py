"""The demo's operations record: a SQLite database with the demo plan published and a
simulated week of field reports, so that the dashboard and the sitrep have something to show.

The database is the demo's own output and is written afresh each run (into a temporary file,
then moved into place), like the demo's other files.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from safepassage.io.prepare import PreparedScenario
from safepassage.reports.plan_bundle import build_plan_bundle
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.db import open_database
from safepassage.storage.operations import create_operation
from safepassage.storage.plan_bundles import publish_plan_bundle
from safepassage.storage.simulated_record import simulate_record
from safepassage.storage.types import Role

__all__ = ["DEMO_OPERATION", "DemoOperation", "write_demo_operation"]

DEMO_OPERATION = "demo"
_ORGANISATION = "DEMO-OCHA"


@dataclass(frozen=True)
class DemoOperation:
    database: Path
    operation: str
    viewer_token: str
    added: dict[str, int]


def _remove(path: Path) -> None:
    # -lock and -lock-gate: db.py's process lock
    for suffix in ("", "-wal", "-shm", "-journal", "-lock", "-lock-gate"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def write_demo_operation(
    prepared: PreparedScenario, plan_dir: Path, relief_dir: Path | None, path: Path
) -> DemoOperation:
    """Create ``path`` (SQLite) with the demo operation, its plan and a simulated week."""
    bundle = build_plan_bundle(prepared, plan_dir, relief_dir)
    partial = path.with_name(path.name + ".partial")
    _remove(partial)
    database = open_database(str(partial), migrate=True)
    try:
        with database.session() as session:
            organisation = ensure_organisation(
                session, _ORGANISATION, name="Demo coordination office"
            )
            admin, _ = create_user(session, organisation, role=Role.ADMIN, name="demo admin")
            _, viewer_token = create_user(
                session, organisation, role=Role.VIEWER, name="demo viewer"
            )
            operation = create_operation(
                session,
                admin,
                code=DEMO_OPERATION,
                name=prepared.scenario.name,
                scenario_toml=prepared.scenario.source_path.read_text(encoding="utf-8")
                if prepared.scenario.source_path
                else None,
            )
            publish_plan_bundle(session, admin, operation, bundle)
        with database.session() as session:
            added = simulate_record(session, admin, operation, bundle, days=7.0, seed=0)
    finally:
        database.dispose()
    _remove(path)
    os.replace(partial, path)
    _remove(partial)
    return DemoOperation(path, DEMO_OPERATION, viewer_token, added)
