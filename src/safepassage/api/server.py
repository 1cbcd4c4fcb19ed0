"""Serve the app with uvicorn, with the settings the issue-6 figures were measured with.

- uvloop and httptools (``loop="auto"``, ``http="auto"`` pick them; both are dependencies):
  the event loop and the HTTP parser in C, a third less CPU per small request than asyncio's
  loop and h11.
- ``gc.freeze()`` once the app is built: the ~200,000 objects of the loaded modules (FastAPI,
  pydantic schemas, SQLAlchemy) move to a generation the cyclic collector no longer walks.
  Ingest allocates many short-lived dicts, so full collections come every few seconds; each
  walked the whole heap, about 0.1 s on the development machine, stalling every request.
- One process by default; ``workers`` > 1 starts that many (each with its own connections,
  writer thread and caches; see docs/service.md, "Performance").
"""

from __future__ import annotations

import gc
import os

import uvicorn
from fastapi import FastAPI

from safepassage.storage.db import Database

__all__ = ["POOL_SIZE", "create_worker_app", "serve"]

# pooled connections per process: the group-commit writer needs one, reads take the others
# (AnyIO runs sync endpoints in up to 40 threads)
POOL_SIZE = 40


def _freeze() -> None:
    gc.collect()
    gc.freeze()


def create_worker_app() -> FastAPI:
    """The app of one of several worker processes (``uvicorn --factory``)."""
    from safepassage.api.app import create_app_from_env

    app = create_app_from_env()
    _freeze()
    return app


def serve(
    database: Database, *, host: str, port: int, workers: int = 1, log_level: str = "info"
) -> None:
    """Serve ``database`` (already migrated) until interrupted."""
    options = {"host": host, "port": port, "log_level": log_level, "loop": "auto", "http": "auto"}
    if workers == 1:
        from safepassage.api import create_app

        app = create_app(database)
        _freeze()
        uvicorn.run(app, **options)  # type: ignore[arg-type]
        return
    os.environ["SAFEPASSAGE_DB"] = database.engine.url.render_as_string(hide_password=False)
    os.environ["SAFEPASSAGE_POOL_SIZE"] = str(POOL_SIZE)
    uvicorn.run(
        "safepassage.api.server:create_worker_app",
        factory=True,
        workers=workers,
        **options,  # type: ignore[arg-type]
    )
