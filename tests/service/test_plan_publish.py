"""Publishing a plan to an operation (bundle, API, CLI) and the simulated record built on it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import func, select

from safepassage.cli.main import main
from safepassage.errors import DataError
from safepassage.io.prepare import prepare_scenario
from safepassage.io.scenario_file import load_scenario
from safepassage.reports.plan_bundle import BUNDLE_FORMAT, build_plan_bundle, check_bundle
from safepassage.storage import Database
from safepassage.storage.audit import verify
from safepassage.storage.models import CorridorStatusChange, CrossingCount, Operation, User
from safepassage.storage.plan_bundles import latest_plan_bundle
from safepassage.storage.simulated_record import SIMULATED, simulate_record
from tests.reports.conftest import write_tiny_city
from tests.service.conftest import World

pytestmark = pytest.mark.service


@pytest.fixture(scope="module")
def tiny_plan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("publish_city")
    scenario = write_tiny_city(folder)
    plan_dir = folder / "plan"
    assert main(["plan", str(scenario), "--out", str(plan_dir), "--no-bound"]) == 0
    return scenario, plan_dir


@pytest.fixture(scope="module")
def bundle(tiny_plan: tuple[Path, Path]) -> dict:
    scenario, plan_dir = tiny_plan
    prepared = prepare_scenario(load_scenario(scenario))
    return build_plan_bundle(prepared, plan_dir)


def test_bundle_series_add_up_to_the_plan(bundle: dict, tiny_plan: tuple[Path, Path]) -> None:
    summary = json.loads((tiny_plan[1] / "plan.json").read_text())
    assert bundle["format"] == BUNDLE_FORMAT
    assert json.loads(json.dumps(bundle)) == bundle  # plain JSON
    for corridor in summary["corridors"]:
        planned = bundle["planned"][corridor["id"]]
        assert sum(planned["crossings"]) == pytest.approx(corridor["people"], abs=1.0)
        assert sum(planned["arrivals"]) == pytest.approx(corridor["people"], abs=1.0)
        by_group = np.sum([v for v in planned["by_group"].values()], axis=0)
        np.testing.assert_allclose(by_group, planned["crossings"], atol=0.2)
    people = {d["area"]: d["people"] for d in summary["districts"]}
    for district in bundle["districts"]:
        assert sum(district["departures"]) == pytest.approx(people[district["name"]], abs=1.0)
    inside = np.asarray(bundle["people_inside"])
    assert inside[0] == pytest.approx(bundle["population"])
    assert np.all(np.diff(inside) <= 1e-9)
    assert len(inside) == len(bundle["hours"])
    assert {r["corridor"] for r in bundle["routes"]} <= {c["id"] for c in bundle["corridors"]}
    assert any(v is None for v in bundle["streets"]["lon"])  # parts separated by null
    assert bundle["relief"] is None


def test_check_bundle_refuses_other_documents(bundle: dict) -> None:
    with pytest.raises(DataError, match="format"):
        check_bundle({**bundle, "format": "something/2"})
    with pytest.raises(DataError, match="lacks planned"):
        check_bundle({k: v for k, v in bundle.items() if k != "planned"})
    with pytest.raises(DataError, match="JSON object"):
        check_bundle([1, 2])


def test_publish_and_read_through_the_api(world: World, bundle: dict) -> None:
    path = "/operations/aleppo/plan"
    assert world.get("wfp_viewer", path).status_code == 404
    assert world.client.put(path, json=bundle, headers=world.as_("wfp_viewer")).status_code == 403
    # a member organisation's planner may not change the lead's operation
    assert world.client.put(path, json=bundle, headers=world.as_("icrc_planner")).status_code == 403
    bad = world.client.put(path, json={"format": "x"}, headers=world.as_("wfp_planner"))
    assert bad.status_code == 422 and "format" in bad.json()["detail"]
    done = world.client.put(path, json=bundle, headers=world.as_("wfp_planner"))
    assert done.status_code == 200, done.text
    assert done.json()["plan"]["clearance_time_min"] == bundle["summary"]["clearance_time_min"]
    assert world.get("icrc_monitor", path).json() == bundle
    assert world.get("msf_admin", path).status_code == 404
    codes = {c["code"]: c for c in world.get("wfp_viewer", "/operations/aleppo/corridors").json()}
    assert {"north", "south", "east", "C1", "C2"} <= set(codes)
    assert codes["south"]["planned_throughput_pph"] == 2000
    with world.database.read() as session:
        assert verify(session).ok


def _operation_and_admin(database: Database) -> tuple[Operation, User]:
    with database.read() as session:
        operation = session.scalar(select(Operation).where(Operation.code == "aleppo"))
        admin = session.scalar(select(User).where(User.name == "wfp_admin"))
    assert operation is not None and admin is not None
    return operation, admin


def test_simulated_record_follows_the_plan_once(world: World, bundle: dict) -> None:
    world.client.put("/operations/aleppo/plan", json=bundle, headers=world.as_("wfp_planner"))
    operation, admin = _operation_and_admin(world.database)
    with world.database.session() as session:
        stored = latest_plan_bundle(session, operation)
        assert stored == bundle
        added = simulate_record(session, admin, operation, stored, days=2, seed=7)
    with world.database.session() as session:
        again = simulate_record(session, admin, operation, bundle, days=2, seed=7)
    assert added["crossing_counts"] > 0 and added["incidents"] >= 2
    assert set(again.values()) == {0}  # the same seed: the same client ids, nothing added
    with world.database.read() as session:
        recorded = session.scalar(select(func.sum(CrossingCount.people)))
        statuses = list(session.scalars(select(CorridorStatusChange)))
        assert verify(session).ok
    hours = 48
    planned = sum(sum(c["crossings"][:hours]) for c in bundle["planned"].values())
    suspended = [s for s in statuses if s.status.value == "suspended"]
    assert len(suspended) == 1 and SIMULATED in suspended[0].reason
    # six hours of one corridor are missing; noise is log-normal with sigma 0.15
    assert 0.5 * planned < recorded < 1.2 * planned


def test_cli_create_publish_simulate(tmp_path: Path, tiny_plan: tuple[Path, Path]) -> None:
    from safepassage.storage.accounts import create_user, ensure_organisation
    from safepassage.storage.db import open_database
    from safepassage.storage.types import Role

    db = str(tmp_path / "ops.sqlite")
    database = open_database(db, migrate=True)
    with database.session() as session:
        org = ensure_organisation(session, "WFP")
        _, admin = create_user(session, org, role=Role.ADMIN, name="admin")
        _, viewer = create_user(session, org, role=Role.VIEWER, name="viewer")
    database.dispose()
    scenario, plan_dir = tiny_plan
    base = ["--db", db, "--operation", "tiny"]
    assert main(["operations", "create", "--db", db, "--token", admin, "--code", "tiny",
                 "--name", "Tiny"]) == 0  # fmt: skip
    assert main(["operations", "publish", str(scenario), "--plan", str(plan_dir), *base,
                 "--token", viewer]) == 2  # fmt: skip
    assert main(["operations", "publish", str(scenario), "--plan", str(tmp_path / "none"), *base,
                 "--token", admin]) == 2  # fmt: skip
    assert main(["operations", "publish", str(scenario), "--plan", str(plan_dir), *base,
                 "--token", admin]) == 0  # fmt: skip
    assert main(["operations", "simulate", *base, "--token", admin, "--days", "1"]) == 0
    assert main(["operations", "simulate", *base, "--token", "nope"]) == 2
    database = open_database(db, migrate=False)
    with database.read() as session:
        count = session.scalar(select(func.count()).select_from(CrossingCount))
        first = session.scalar(select(func.min(CrossingCount.window_start)))
        assert verify(session).ok
    database.dispose()
    assert count and count > 0
    assert first == dt.datetime(2026, 12, 1, 4, 0, tzinfo=dt.UTC)  # 06:00 in Damascus (UTC+3)


def test_below_plan_alerts_follow_the_published_plan(world: World, bundle: dict) -> None:
    from sqlalchemy import delete, true

    from safepassage.storage.alerts import AlertSettings, Visible, compute_alerts

    world.client.put("/operations/aleppo/plan", json=bundle, headers=world.as_("wfp_planner"))
    operation, admin = _operation_and_admin(world.database)
    with world.database.session() as session:
        simulate_record(session, admin, operation, bundle, days=1, seed=3)
    everything = Visible(stock=true(), crossings=true(), incidents=true(), status=true())
    start = dt.datetime.fromisoformat(bundle["hours"][0])
    settings = AlertSettings(window_h=len(bundle["hours"]))
    end_of_plan = start + dt.timedelta(hours=len(bundle["hours"]))

    def below_plan(now: dt.datetime) -> dict[str, str]:
        with world.database.read() as session:
            found = compute_alerts(
                session, operation, visible=everything, now=now, settings=settings
            )
        return {a.subject: a.message for a in found if a.kind == "below_plan"}

    # a day after the plan's last crossing nothing is planned, so nothing is missing
    assert below_plan(end_of_plan + dt.timedelta(hours=24)) == {}
    with world.database.session() as session:
        session.execute(delete(CrossingCount))
    missing = below_plan(end_of_plan)
    planned = {c: sum(v["crossings"]) for c, v in bundle["planned"].items() if sum(v["crossings"])}
    assert set(missing) == set(planned)  # not C1 and C2: the published plan does not use them
    for code, people in planned.items():
        assert f"0% of the {people:,.0f} planned" in missing[code]
