"""The dashboard served by ``safepassage serve`` at ``/``: a map and charts of the operation,
drawn offline with plotly.js from the installed ``plotly`` package (see ``docs/dashboard.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastapi import FastAPI

__all__ = ["install_dashboard"]


def install_dashboard(app: FastAPI) -> None:
    """Add the dashboard's routes to ``app`` and the cache of prepared plans they share."""
    # imported here: the routes use ``safepassage.api.deps``, whose package imports the app
    from safepassage.dashboard.routes import PlanCache, router

    app.state.dashboard_plans = PlanCache()
    app.include_router(router)
