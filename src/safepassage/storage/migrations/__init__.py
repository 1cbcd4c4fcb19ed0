"""Alembic migrations of the operations database, run by ``storage.migrate.upgrade``."""
