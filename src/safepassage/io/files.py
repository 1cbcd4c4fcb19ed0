"""One check that an input file exists and can be read, with a one-line error naming it."""

from __future__ import annotations

import os
from pathlib import Path

from safepassage.errors import DataError

__all__ = ["require_readable_file"]


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
