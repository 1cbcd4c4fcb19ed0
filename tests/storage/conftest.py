from tests.storage.dbfixtures import database, db_url, pg_url, sqlite_template

__all__ = ["database", "db_url", "pg_url", "sqlite_template"]
