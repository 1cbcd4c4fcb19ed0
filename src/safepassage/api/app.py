"""The FastAPI application of the operations service."""

from __future__ import annotations

import os

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from safepassage import __version__
from safepassage.api.cache import TTLCache
from safepassage.api.docs_page import render_docs
from safepassage.api.problems import install_handlers, problem
from safepassage.api.routes import (
    alerts,
    corridors,
    crossings,
    deliveries,
    exports,
    incidents,
    ingest,
    operations,
    stock,
    users,
)
from safepassage.dashboard import install_dashboard
from safepassage.storage.db import DEFAULT_DB, Database, open_database
from safepassage.storage.writer import WriterUnavailableError

__all__ = ["create_app", "create_app_from_env"]

_DESCRIPTION = (
    "One shared record of corridors, crossings (aggregate counts only), deliveries, stocks and "
    "incidents. Every submission carries a client-made UUID (client_id): a retry adds nothing."
)


def create_app(database: Database) -> FastAPI:
    """The app serving ``database`` (already migrated; see ``storage.open_database``)."""
    app = FastAPI(
        title="safepassage operations service",
        version=__version__,
        description=_DESCRIPTION,
        docs_url=None,  # Swagger UI would load from a CDN; see docs_page.py
        redoc_url=None,
    )
    app.state.database = database
    # positive look-ups only, for a few seconds: see api/cache.py
    app.state.users_cache = TTLCache(ttl_s=10.0)
    app.state.operations_cache = TTLCache(ttl_s=10.0)
    install_handlers(app)
    # the most specific handler wins: these are StorageErrors, which would otherwise be a 400
    app.add_exception_handler(WriterUnavailableError, _unavailable)
    for module in (
        users,
        operations,
        corridors,
        ingest,
        crossings,
        deliveries,
        stock,
        incidents,
        exports,
        alerts,
    ):
        app.include_router(module.router)
    install_dashboard(app)  # the page at / and its aggregated data endpoints

    @app.get("/health", tags=["meta"])
    def health() -> dict[str, str]:
        """Liveness: no authentication, no data."""
        return {"status": "ok"}

    @app.get("/docs", include_in_schema=False, response_class=HTMLResponse)
    def docs() -> str:
        return render_docs(app.openapi())

    return app


async def _unavailable(request: Request, exc: Exception) -> JSONResponse:
    """503 with ``Retry-After``: the writer's queue is full or the server is shutting down.

    Nothing of the request was stored; a client sends it again (same client ids) after the
    delay, and the idempotent writes absorb a copy that did get through.
    """
    assert isinstance(exc, WriterUnavailableError)
    response = problem(503, str(exc), retry_after_s=exc.retry_after_s)
    response.headers["Retry-After"] = str(exc.retry_after_s)
    return response


def create_app_from_env() -> FastAPI:
    """The app for one of several uvicorn worker processes (``serve --workers N``).

    Each worker opens its own connections to ``SAFEPASSAGE_DB``; the parent process has run the
    migrations already.
    """
    pool_size = int(os.environ.get("SAFEPASSAGE_POOL_SIZE", "40"))
    database = open_database(
        os.environ.get("SAFEPASSAGE_DB", DEFAULT_DB), migrate=False, pool_size=pool_size
    )
    return create_app(database)
