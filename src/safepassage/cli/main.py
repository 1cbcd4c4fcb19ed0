"""The ``safepassage`` command: one place that turns errors into exit codes.

Exit codes: 0 ok; 2 bad input (one line naming the file, row or field, and the fix); 1 internal
error (a bug: the traceback is shown with ``--debug``).
"""

from __future__ import annotations

import sys
import traceback
from typing import Annotated

import typer

from safepassage.cli import demo, plan, records, service, validate
from safepassage.cli.console import err_console, print_line
from safepassage.cli.operations import operations_app
from safepassage.cli.reports import leaflets_command, map_command, sitrep_command
from safepassage.cli.supplies import supplies_command
from safepassage.errors import SafepassageError

__all__ = ["app", "main"]

app = typer.Typer(
    name="safepassage",
    help="Plan, run and report a humanitarian evacuation-and-relief operation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the traceback of internal errors.")
    ] = False,
) -> None:
    """safepassage: plans are options with their capacity, never movement orders."""


app.command("validate")(validate.validate_command)
app.command("demo")(demo.demo_command)
app.command("plan")(plan.plan_command)
app.command("check")(plan.check_command)
app.command("supplies")(supplies_command)
app.command("map")(map_command)
app.command("leaflets")(leaflets_command)
app.command("sitrep")(sitrep_command)
app.command("serve")(service.serve_command)
app.command("ingest")(records.ingest_command)
app.command("export")(records.export_command)
app.add_typer(service.users_app, name="users")
app.add_typer(service.audit_app, name="audit")
app.add_typer(operations_app, name="operations")


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and, run as a script, exits with) the exit code.

    Typer reports usage errors itself (exit code 2); bad input raised as
    :class:`SafepassageError` is printed here as one line; anything else is a bug.
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        app(args=args, prog_name="safepassage")
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except SafepassageError as exc:
        print_line(err_console, "error:", str(exc), style="bold red")
        code = 2
    except KeyboardInterrupt:
        err_console.print("interrupted")
        code = 130
    except Exception as exc:  # a bug, not bad input
        if "--debug" in args:
            traceback.print_exc()
        else:
            detail = (
                f"{type(exc).__name__}: {exc} "
                "(this is a bug in safepassage; run with --debug for the traceback)"
            )
            print_line(err_console, "internal error:", detail, style="bold red")
        code = 1
    if argv is None:
        sys.exit(code)
    return code
