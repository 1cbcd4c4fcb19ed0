"""``safepassage operations create | publish | simulate``: set up an operation in the service's
database directly (no server needed), acting as the user whose API token is given."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from safepassage.cli.console import console, err_console, print_line, stage_progress
from safepassage.cli.service import DbOption
from safepassage.errors import SafepassageError, StorageError
from safepassage.storage.access import Action
from safepassage.storage.db import DEFAULT_DB, Database, open_database
from safepassage.storage.models import Operation, User
from safepassage.storage.types import Role

__all__ = ["operations_app"]

operations_app = typer.Typer(
    help="Operations in the service's database: create, publish a plan, simulate a record.",
    no_args_is_help=True,
)

TokenOption = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="SAFEPASSAGE_TOKEN",
        help="Your API token (from `safepassage users create`); it decides what you may do.",
    ),
]
OperationOption = Annotated[str, typer.Option("--operation", help="The operation's code.")]


def _user(database: Database, token: str, action: Action) -> User:
    from safepassage.storage import access
    from safepassage.storage.accounts import authenticate

    with database.read() as session:
        user = authenticate(session, token)
    if user is None:
        raise StorageError("--token: not recognised or revoked; ask your admin for a new one")
    if not access.allowed(user, action):
        roles = ", ".join(sorted(r.value for r in access.PERMISSIONS[action]))
        msg = f"--token: role {user.role.value!r} may not {action.value.replace('_', ' ')}"
        raise StorageError(f"{msg}; needs: {roles}")
    return user


def _operation(database: Database, code: str, user: User, *, lead: bool) -> Operation:
    from sqlalchemy import select

    from safepassage.storage import access

    with database.read() as session:
        found = session.scalar(select(Operation).where(Operation.code == code))
        member = found is not None and access.is_member(session, found, user.organisation_id)
    if found is None or not member:
        msg = f"--operation: {code!r} not found, or your organisation does not take part in it"
        raise StorageError(msg + "; create it with `safepassage operations create`")
    if lead and found.lead_organisation_id != user.organisation_id:
        raise StorageError(f"--operation: only the organisation leading {code!r} may do this")
    return found


@operations_app.command("create")
def create_command(
    code: Annotated[str, typer.Option("--code", help="A short code, e.g. coquimbo-2026.")],
    name: Annotated[str, typer.Option("--name", help="The operation's name.")],
    token: TokenOption,
    scenario: Annotated[
        Path | None, typer.Option("--scenario", help="Scenario .toml to keep with it.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create an operation led by your organisation (planner or admin)."""
    from safepassage.storage.operations import create_operation

    text = None
    if scenario is not None:
        try:
            text = scenario.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            msg = f"{scenario}: cannot read ({exc}); give a scenario .toml"
            raise SafepassageError(msg) from None
    database = open_database(db, migrate=True)
    try:
        user = _user(database, token, Action.MANAGE_OPERATIONS)
        with database.session() as session:
            operation = create_operation(session, user, code=code, name=name, scenario_toml=text)
            created = operation.code
    finally:
        database.dispose()
    print_line(console, "created:", f"operation {created}", style="green")


@operations_app.command("publish")
def publish_command(
    scenario_path: Annotated[Path, typer.Argument(metavar="SCENARIO", help="scenario .toml")],
    plan_dir: Annotated[Path, typer.Option("--plan", help="folder written by `safepassage plan`")],
    operation: OperationOption,
    token: TokenOption,
    relief_dir: Annotated[
        Path | None,
        typer.Option("--relief", help="folder written by `safepassage supplies` (optional)"),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Publish a plan to an operation: the dashboard, alerts and sitrep use it from then on."""
    from safepassage.io.prepare import prepare_scenario
    from safepassage.io.scenario_file import load_scenario
    from safepassage.reports.plan_bundle import build_plan_bundle
    from safepassage.storage.plan_bundles import publish_plan_bundle

    database = open_database(db, migrate=True)
    try:
        user = _user(database, token, Action.MANAGE_OPERATIONS)
        found = _operation(database, operation, user, lead=True)
        scenario = load_scenario(scenario_path)
        with stage_progress(["network", "corridors", "population"]) as on_stage:
            prepared = prepare_scenario(scenario, on_stage=on_stage)
        bundle = build_plan_bundle(prepared, plan_dir, relief_dir)
        size = len(json.dumps(bundle))
        with database.session() as session:
            row = publish_plan_bundle(session, user, found, bundle)
            bundle_id = row.id
    finally:
        database.dispose()
    print_line(
        console,
        "published:",
        f"plan {bundle_id} of operation {operation} ({size / 1e6:.1f} MB, "
        f"{len(bundle['corridors'])} corridors, {len(bundle['hours'])} hours)",
        style="green",
    )


@operations_app.command("simulate")
def simulate_command(
    operation: OperationOption,
    token: TokenOption,
    days: Annotated[
        float, typer.Option("--days", help="Days of record from the plan's start.")
    ] = 7.0,
    seed: Annotated[int, typer.Option("--seed", help="Random seed of the noise.")] = 0,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write a SIMULATED record that follows the published plan (demo and benchmarks only;
    every row says so). An admin's token is needed: it writes every kind of record."""
    from safepassage.storage.plan_bundles import latest_plan_bundle
    from safepassage.storage.simulated_record import SIMULATED, simulate_record

    database = open_database(db, migrate=True)
    try:
        user = _user(database, token, Action.MANAGE_USERS)
        if user.role is not Role.ADMIN:  # pragma: no cover - MANAGE_USERS is admin only
            raise StorageError("--token: an admin's token is needed to simulate a record")
        found = _operation(database, operation, user, lead=True)
        with database.session() as session:
            bundle = latest_plan_bundle(session, found)
            if bundle is None:
                msg = f"operation {operation!r} has no published plan; run `operations publish`"
                raise StorageError(msg)
            added = simulate_record(session, user, found, bundle, days=days, seed=seed)
    finally:
        database.dispose()
    summary = ", ".join(f"{n:,} {table}" for table, n in added.items())
    print_line(console, "simulated:", f"{summary} ({SIMULATED})", style="yellow")
    print_line(err_console, "note:", "simulated rows are marked as such in their notes", style="")


@operations_app.command("retention")
def retention_command(
    operation: OperationOption,
    token: TokenOption,
    table: Annotated[
        str | None, typer.Option("--table", help="crossing_counts, incidents, deliveries, ...")
    ] = None,
    days: Annotated[
        int | None, typer.Option("--days", help="Keep the table's rows this many days.", min=1)
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Show the operation's retention periods, or set one with --table and --days (R7)."""
    from safepassage.storage.retention import retention_periods, set_retention

    if (table is None) != (days is None):
        msg = "give both --table and --days to set a period, or neither to show the periods"
        raise SafepassageError(msg)
    database = open_database(db, migrate=True)
    try:
        user = _user(database, token, Action.MANAGE_OPERATIONS)
        found = _operation(database, operation, user, lead=True)
        with database.session() as session:
            if table is not None and days is not None:
                set_retention(session, user, found, table, days)
            periods = retention_periods(session, found)
    finally:
        database.dispose()
    shown = ", ".join(f"{name} {n} days" for name, n in periods.items()) or "none (rows kept)"
    print_line(console, "retention:", shown, style="green")


@operations_app.command("purge")
def purge_command(
    operation: OperationOption,
    token: TokenOption,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Count what would be destroyed; change nothing.")
    ] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Destroy the rows older than their table's retention period (an admin of the lead
    organisation). The audit log keeps each destroyed row's hash, so `audit verify` still
    passes and still catches any other deletion."""
    from safepassage.storage.retention import purge_expired
    from safepassage.storage.types import utc_now

    database = open_database(db, migrate=True)
    try:
        user = _user(database, token, Action.MANAGE_USERS)
        found = _operation(database, operation, user, lead=True)
        session_of = database.read if dry_run else database.session
        with session_of() as session:
            report = purge_expired(session, user, found, now=utc_now(), dry_run=dry_run)
    finally:
        database.dispose()
    if not report.cutoffs:
        print_line(console, "purge:", "no retention periods set; nothing to do", style="yellow")
        return
    verb = "would destroy" if dry_run else "destroyed"
    for table, cutoff in report.cutoffs.items():
        rows = f"{report.purged[table]:,} rows"
        when = f"{cutoff:%Y-%m-%d %H:%M} UTC"
        print_line(console, "purge:", f"{table}: {verb} {rows} ended before {when}", style="green")
