"""``safepassage ingest`` and ``safepassage export``: field records into and out of the
operations database without a server, under the same rules as the API.

Both open the database directly (like ``safepassage audit verify``); ``--token`` identifies the
acting user (looked up as the API does), so the role, the organisation's membership of the
operation, the monitor's corridors and each table's classification apply exactly as there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session

from safepassage.cli.console import console, print_line
from safepassage.cli.service import DbOption
from safepassage.errors import DataError, StorageError
from safepassage.io.atomic import check_writable, write_text_atomic
from safepassage.storage import access
from safepassage.storage.accounts import authenticate
from safepassage.storage.db import DEFAULT_DB, Database, open_database
from safepassage.storage.models import Operation, User

__all__ = ["export_command", "ingest_command"]

OperationOption = Annotated[
    str, typer.Option("--operation", help="The operation's code (as in the API's URLs).")
]
TokenOption = Annotated[
    str,
    typer.Option(
        "--token",
        envvar="SAFEPASSAGE_TOKEN",
        help="Your API token (from `safepassage users create`); or set SAFEPASSAGE_TOKEN.",
    ),
]
_INGEST_TABLES = "crossings, corridor_status, deliveries, stock or incidents"
_EXPORT_TABLES = "corridors, corridor_status, crossings, deliveries, stock or incidents"


def _caller(session: Session, token: str, code: str) -> tuple[User, Operation]:
    """The user holding ``token`` and the operation ``code``, if their organisation takes part."""
    user = authenticate(session, token.strip())
    if user is None:
        msg = "--token: not recognised or revoked; ask your organisation's admin for a new one"
        raise StorageError(msg)
    operation = session.scalar(select(Operation).where(Operation.code == code))
    # the same answer whether it does not exist or the caller's organisation is not a member
    if operation is None or not access.is_member(session, operation, user.organisation_id):
        msg = f"--operation {code!r}: not found, or your organisation does not take part in it"
        raise StorageError(msg)
    session.expunge(user)
    session.expunge(operation)
    return user, operation


def _open(db: str) -> Database:
    return open_database(db, migrate=False)


def ingest_command(
    file: Annotated[
        Path, typer.Argument(help="KoBoToolbox or ODK Central export (CSV, JSON) or HXL CSV.")
    ],
    operation: OperationOption,
    token: TokenOption,
    table: Annotated[str, typer.Option("--table", help=f"Where the records go: {_INGEST_TABLES}.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """Store the records of an export file: all of them or, if any row is bad, none.

    The dialect (KoBo or ODK, CSV or JSON, or HXL) is detected; ingesting the same file again
    adds nothing.
    """
    from safepassage.api.routes.ingest import ingest_file
    from safepassage.storage.ingest import TABLES

    if table not in TABLES:
        raise DataError(f"--table {table!r}: use one of {_INGEST_TABLES}")
    try:
        content = file.read_bytes()
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise DataError(f"{file}: cannot read the file ({reason}); check the path") from None
    database = _open(db)
    try:
        with database.read() as session:
            user, found = _caller(session, token, operation)
        try:
            result = ingest_file(database, user, found, table, content)
        except DataError as exc:
            raise DataError(f"{file}: {exc}") from None
    finally:
        database.dispose()
    if table == "crossings":  # submissions summed into counts (R10)
        what = (
            f"{result.rows} crossing submission(s) from {file} ({result.dialect}): "
            f"{result.counted} summed into {result.created} new count(s) per corridor and hour, "
            f"{result.duplicates} already counted"
        )
    else:
        what = (
            f"{result.rows} {table} record(s) from {file} ({result.dialect}): "
            f"{result.created} new, {result.duplicates} already stored"
        )
    print_line(console, "ingested:", what, style="green")
    if result.held:  # crossings only
        until = result.held_until.strftime("%H:%M UTC") if result.held_until else "their hour"
        print_line(
            console,
            "held:",
            f"{result.held} submission(s) in an hour not over yet are not stored; "
            f"ingest the export again after {until}",
            style="yellow",
        )


def export_command(
    operation: OperationOption,
    token: TokenOption,
    table: Annotated[str, typer.Option("--table", help=f"The table: {_EXPORT_TABLES}.")],
    out: Annotated[Path, typer.Option("--out", help="The file to write (replaced whole).")],
    fmt: Annotated[str, typer.Option("--format", help="hxl (HXL CSV) or geojson.")] = "hxl",
    public: Annotated[
        bool,
        typer.Option(
            "--public",
            help="The publishable figures (crossings only): per corridor, settled windows, "
            "small counts suppressed.",
        ),
    ] = False,
    window_hours: Annotated[
        int, typer.Option("--window-hours", help="With --public: 6, 12 or 24.")
    ] = 6,
    k: Annotated[
        int, typer.Option("--k", help="With --public: counts below k are hidden.", min=5, max=100)
    ] = 5,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Write one table as you may see it (HXL CSV or GeoJSON), with its classification."""
    from safepassage.storage.exports import TABLES, Format, export_for, render

    formats: dict[str, Format] = {"hxl": "csv", "csv": "csv", "geojson": "geojson"}
    if fmt.lower() not in formats:
        raise DataError(f"--format {fmt!r}: use hxl or geojson")
    file_format = formats[fmt.lower()]
    if table not in TABLES:
        raise DataError(f"--table {table!r}: use one of {_EXPORT_TABLES}")
    check_writable(out, what="--out")
    database = _open(db)
    try:
        with database.read() as session:
            user, found = _caller(session, token, operation)
            export = export_for(
                session,
                found,
                user,
                table,
                fmt=file_format,
                public=public,
                window_h=window_hours,
                k=k,
            )
    finally:
        database.dispose()
    write_text_atomic(out, render(export, file_format))
    print_line(
        console,
        "exported:",
        f"{len(export.rows)} row(s) of {table} to {out} "
        f"(classification: {export.classification.value})",
        style="green",
    )
