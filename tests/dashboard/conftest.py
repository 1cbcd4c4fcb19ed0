"""The tiny walled city planned to start two days ago, published to an operation with a
simulated day of field reports: what the dashboard tests look at."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from safepassage.cli.main import main
from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.plan_bundle import build_plan_bundle
from safepassage.storage import Database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.models import Operation
from safepassage.storage.operations import add_member, create_operation
from safepassage.storage.plan_bundles import publish_plan_bundle
from safepassage.storage.simulated_record import simulate_record
from safepassage.storage.types import Role
from tests.reports.conftest import chromium, write_tiny_city
from tests.storage.dbfixtures import database, db_url, pg_url, sqlite_template

__all__ = ["chromium", "database", "db_url", "pg_url", "sqlite_template"]

OPERATION = "tiny"
# the plan starts at 06:00 local time two days before the test session, so that a late count
# for one of its hours is in the past, as the service requires
START = (dt.datetime.now(dt.UTC) - dt.timedelta(days=2)).strftime("%Y-%m-%dT06:00:00")


@pytest.fixture(scope="session")
def dashboard_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(scenario.toml, plan folder) of the tiny city starting at ``START``."""
    folder = tmp_path_factory.mktemp("dashboard_city")
    scenario = write_tiny_city(folder)
    text = scenario.read_text(encoding="utf-8")
    moved = text.replace("start = 2026-12-01T06:00:00", f"start = {START}")
    assert moved != text, "the tiny city's start line changed: update tests/dashboard/conftest.py"
    scenario.write_text(moved, encoding="utf-8")
    plan_dir = folder / "plan"
    assert main(["plan", str(scenario), "--out", str(plan_dir), "--no-bound"]) == 0
    return scenario, plan_dir


@pytest.fixture(scope="session")
def bundle(dashboard_plan: tuple[Path, Path]) -> dict[str, Any]:
    scenario, plan_dir = dashboard_plan
    return build_plan_bundle(prepare_scenario(load_scenario(scenario)), plan_dir)


@dataclass
class Operated:
    """Tokens of WFP (lead: planner, viewer, logistics), ICRC (member: viewer) and MSF (no
    member)."""

    tokens: dict[str, str] = field(default_factory=dict)
    added: dict[str, int] = field(default_factory=dict)

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}


def set_up_operation(
    database: Database, bundle: dict[str, Any] | None, *, days: float = 1.0
) -> Operated:
    """Users, the operation, its published plan and a simulated record of ``days``."""
    out = Operated()
    with database.session() as session:
        users = {}
        for org, role in [
            ("WFP", Role.PLANNER),
            ("WFP", Role.VIEWER),
            ("WFP", Role.LOGISTICS),
            ("ICRC", Role.VIEWER),
            ("MSF", Role.VIEWER),
        ]:
            who = f"{org.lower()}_{role.value}"
            organisation = ensure_organisation(session, org)
            users[who], out.tokens[who] = create_user(session, organisation, role=role, name=who)
        planner = users["wfp_planner"]
        operation = create_operation(session, planner, code=OPERATION, name="Tiny walled city")
        add_member(session, planner, operation, ensure_organisation(session, "ICRC").id)
        if bundle is not None:
            publish_plan_bundle(session, planner, operation, bundle)
    if bundle is not None:
        with database.session() as session:
            operation = session.merge(operation)
            planner = session.merge(planner)
            out.added = simulate_record(session, planner, operation, bundle, days=days, seed=1)
    return out


@pytest.fixture
def operated(database: Database, bundle: dict[str, Any]) -> Operated:
    return set_up_operation(database, bundle)


def operation_of(database: Database) -> Operation:
    from sqlalchemy import select

    with database.read() as session:
        return session.scalars(select(Operation).where(Operation.code == OPERATION)).one()
