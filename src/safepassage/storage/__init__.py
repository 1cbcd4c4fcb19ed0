"""The operations database: SQLAlchemy models, Alembic migrations, repositories, audit chain.

Depends on ``model`` only; ``api`` and ``cli`` depend on it, never the other way round.
"""

from __future__ import annotations

from safepassage.storage.db import DEFAULT_DB, Database, normalise_url, open_database

__all__ = ["DEFAULT_DB", "Database", "normalise_url", "open_database"]
