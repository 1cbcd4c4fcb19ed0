"""One exception family for the whole package.

Every message names the file, the row or field, and the fix, in one line; the CLI prints it as it is
and exits with code 2.
"""

from __future__ import annotations

__all__ = ["DataError", "SafepassageError", "ScenarioError", "StorageError"]


class SafepassageError(Exception):
    """Bad input the user can fix: the message is one line that says where and how."""


class ScenarioError(SafepassageError):
    """The scenario file is missing, unreadable, malformed or inconsistent."""


class DataError(SafepassageError):
    """A data file named by the scenario (OSM, population, hazards) is missing or wrong."""


class StorageError(SafepassageError):
    """The operations database is unreachable, not migrated, or refuses a record."""
