"""``safepassage serve``, ``safepassage users create`` and ``safepassage audit verify``."""

from __future__ import annotations

from typing import Annotated

import typer

from safepassage.cli.console import console, err_console, print_line
from safepassage.errors import StorageError
from safepassage.storage.db import DEFAULT_DB, open_database

__all__ = ["audit_app", "serve_command", "users_app"]

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="SAFEPASSAGE_DB",
        help="Database: a SQLite file path, sqlite:///FILE or postgresql://USER@HOST:PORT/DB.",
    ),
]

users_app = typer.Typer(help="Users and their API tokens.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)


def serve_command(
    db: DbOption = DEFAULT_DB,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    workers: Annotated[
        int, typer.Option(help="Worker processes (each with its own connections).", min=1, max=64)
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info",
) -> None:
    """Run the operations service: apply the database migrations, then serve the API."""
    # figures measured with these defaults are in docs/service.md, "Performance"
    from safepassage.api.server import POOL_SIZE, serve

    database = open_database(db, migrate=True, pool_size=POOL_SIZE)
    url = database.engine.url.render_as_string(hide_password=True)
    print_line(err_console, "database:", f"{url} (migrated)", style="bold")
    print_line(err_console, "docs:", f"http://{host}:{port}/docs", style="bold")
    try:
        serve(database, host=host, port=port, workers=workers, log_level=log_level)
    finally:
        database.dispose()


@users_app.command("create")
def users_create(
    org: Annotated[str, typer.Option("--org", help="Organisation code (created if new).")],
    role: Annotated[
        str, typer.Option("--role", help="viewer, monitor, logistics, planner or admin.")
    ],
    name: Annotated[str, typer.Option("--name", help="Who holds the token.")] = "",
    org_name: Annotated[
        str | None, typer.Option("--org-name", help="Full name for a new organisation.")
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Create a user and print their API token once (it is stored only as a hash)."""
    from safepassage.storage.accounts import create_user, ensure_organisation, parse_role

    parsed = parse_role(role)
    database = open_database(db, migrate=True)
    try:
        with database.session() as session:
            organisation = ensure_organisation(session, org.strip(), name=org_name)
            user, token = create_user(session, organisation, role=parsed, name=name)
            summary = f"user {user.id} ({parsed.value} in {organisation.code})"
    finally:
        database.dispose()
    print_line(err_console, "created:", f"{summary}; the token below is shown once", style="green")
    console.print(token, highlight=False, soft_wrap=True)


@users_app.command("revoke")
def users_revoke(
    user_id: Annotated[int, typer.Option("--id", help="The user's id (from users create).")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Revoke a user's token; running servers stop accepting it within 10 s."""
    from safepassage.storage.accounts import deactivate_user
    from safepassage.storage.audit import Actor

    database = open_database(db, migrate=True)
    try:
        with database.session() as session:
            deactivate_user(session, user_id, organisation_id=None, actor=Actor())
    finally:
        database.dispose()
    print_line(err_console, "revoked:", f"user {user_id}", style="green")


@audit_app.command("verify")
def audit_verify(db: DbOption = DEFAULT_DB) -> None:
    """Check the audit chain and every audited row; exit 2 on any edit or deletion found."""
    from safepassage.storage.audit import verify

    database = open_database(db, migrate=False)
    try:
        with database.read() as session:  # one consistent snapshot; writers go on
            report = verify(session)
    finally:
        database.dispose()
    for problem in report.problems:
        print_line(err_console, "tampered:", problem, style="bold red")
    if not report.ok:
        msg = f"audit chain broken: {len(report.problems)} problem(s) listed above"
        raise StorageError(msg)
    print_line(
        console,
        "ok:",
        f"{report.entries} audit entries and {report.records} rows verified; "
        f"head {report.head_hash} (note it elsewhere to detect a rewritten chain)",
        style="green",
    )
