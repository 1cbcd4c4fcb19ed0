"""Input files: a check that one exists and can be read, and the JSON our commands write, with
a one-line error naming the file."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from safepassage.errors import DataError

__all__ = ["read_output_json", "require_readable_file"]


def require_readable_file(path: Path, *, what: str, named_by: str) -> None:
    """Raise :class:`DataError` unless ``path`` is an existing, readable file.

    ``what`` names the kind of file ("OSM"), ``named_by`` the scenario field that names it.
    """
    if not path.exists():
        msg = f"{path}: {what} file not found; check {named_by} in the scenario"
        raise DataError(msg)
    if not path.is_file():
        msg = f"{path}: is not a file; {named_by} must name the {what} file itself"
        raise DataError(msg)
    if not os.access(path, os.R_OK):
        # readers report a permission problem as a read error ("is the file complete?")
        msg = f"{path}: cannot read the {what} file (permission denied); check its permissions"
        raise DataError(msg)


def read_output_json(path: Path, *, option: str, command: str) -> Any:
    """A JSON file one of our commands wrote (``plan.json``, ``relief.json``, …).

    Raises
    ------
    DataError
        Naming the file and the fix: give ``option`` a folder ``command`` wrote, or run it again.
    """
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"{path}: not found; give {option} a folder written by `safepassage {command}`"
        raise DataError(msg) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        msg = f"{path}: not readable JSON ({exc}); run `safepassage {command}` again"
        raise DataError(msg) from None
