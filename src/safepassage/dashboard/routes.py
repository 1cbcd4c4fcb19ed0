"""Routes of the dashboard: the page at ``/``, its assets, and three aggregated data endpoints.

The page itself holds no data and needs no token; every data call needs the same bearer token
as the rest of the API (a viewer's is enough) and answers only what that caller may see.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session

from safepassage.api.deps import CurrentUser, DatabaseDep, OperationDep
from safepassage.api.schemas import QueryTime
from safepassage.dashboard.assets import ASSET_TYPES, CSP, asset, index_html
from safepassage.dashboard.data import MAX_HOURS, dashboard_data, latest_bundle_id, record_version
from safepassage.dashboard.plan_view import PlanView, compact_json, map_layers, plan_view
from safepassage.storage.db import Database
from safepassage.storage.models import Operation, PlanBundle, User

__all__ = ["CHECK_EVERY_S", "MAX_WAIT_S", "PlanCache", "router"]

router = APIRouter(tags=["dashboard"])
CHECK_EVERY_S = 0.25  # how often a waiting version request looks at the record
# the longest a version request waits: below common proxy timeouts, and what a stopping server
# may wait for open dashboards (uvicorn lets open requests finish)
MAX_WAIT_S = 10.0


class PlanCache:
    """The prepared views of the last few plan bundles read (one per operation, usually)."""

    def __init__(self, size: int = 8) -> None:
        self._items: OrderedDict[tuple[int, int], tuple[PlanView, bytes, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self._size = size

    def get(self, session: Session, operation: Operation) -> tuple[PlanView, bytes, bytes] | None:
        """(view, map JSON, map JSON gzipped) of the operation's current bundle, or None."""
        bundle_id = latest_bundle_id(session, operation)
        if bundle_id is None:
            return None
        key = (operation.id, bundle_id)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        bundle: dict[str, Any] = session.get_one(PlanBundle, bundle_id).bundle
        raw, gzipped = compact_json(map_layers(bundle))
        item = (plan_view(bundle_id, bundle), raw, gzipped)
        with self._lock:
            self._items[key] = item
            while len(self._items) > self._size:
                self._items.popitem(last=False)
        return item


def _plans(request: Request) -> PlanCache:
    cache: PlanCache = request.app.state.dashboard_plans
    return cache


def _gzip_ok(request: Request) -> bool:
    return "gzip" in request.headers.get("accept-encoding", "").lower()


def _bytes_response(
    request: Request, raw: bytes, gzipped: bytes, media_type: str, headers: dict[str, str]
) -> Response:
    if _gzip_ok(request):
        headers = {**headers, "Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
        return Response(gzipped, media_type=media_type, headers=headers)
    return Response(raw, media_type=media_type, headers={**headers, "Vary": "Accept-Encoding"})


@router.get("/", include_in_schema=False)
def page(lang: str = "en") -> Response:
    """The dashboard page (English, or Arabic with ``?lang=ar``; switchable on the page)."""
    html = index_html("ar" if lang == "ar" else "en")
    headers = {
        "Content-Security-Policy": CSP,
        "Cache-Control": "no-cache",
        "Referrer-Policy": "no-referrer",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(html, media_type="text/html; charset=utf-8", headers=headers)


@router.get("/dashboard/assets/{name}", include_in_schema=False)
def dashboard_asset(name: str, request: Request) -> Response:
    """plotly.js (from the installed plotly package), the page's script and style."""
    if name not in ASSET_TYPES:
        known = ", ".join(sorted(ASSET_TYPES))
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no asset {name!r}; assets: {known}")
    found = asset(name)
    etag = f'"{found.etag}"'
    # the page asks for ?v=<hash>: such a URL never changes content
    headers = {"ETag": etag, "Cache-Control": "public, max-age=31536000, immutable"}
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return _bytes_response(request, found.raw, found.gzipped, found.media_type, headers)


@router.get("/operations/{operation}/dashboard/map")
def dashboard_map(
    request: Request, database: DatabaseDep, user: CurrentUser, operation: OperationDep
) -> Response:
    """The plan's map layers (streets, districts, hazards, routes, distribution points), cut
    down for drawing; ``404`` when no plan is published."""
    with database.read() as session:
        found = _plans(request).get(session, operation)
    if found is None:
        msg = f"no plan published for operation {operation.code!r}; publish one first"
        raise HTTPException(status.HTTP_404_NOT_FOUND, msg)
    _, raw, gzipped = found
    headers = {"Cache-Control": "private, no-cache"}
    return _bytes_response(request, raw, gzipped, "application/json", headers)


@router.get("/operations/{operation}/dashboard/data")
def dashboard_figures(
    request: Request,
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
    at: Annotated[
        QueryTime | None, Query(description="as of this time; default: the latest record")
    ] = None,
    hours: Annotated[int, Query(ge=1, le=MAX_HOURS, description="most hours of series")] = 336,
) -> Response:
    """Every figure of the dashboard, aggregated on the server from the rows you may see:
    crossings per corridor per hour (recorded and plan), people still inside (plan and
    population less recorded crossings), corridor status, estimated queues, districts' people
    remaining (estimated), stock per commodity (plan forecast and recorded balance) and
    incidents. Aggregate counts only."""
    with database.read() as session:
        found = _plans(request).get(session, operation)
        view = found[0] if found else None
        payload = dashboard_data(session, operation, user, view, at=at, hours=hours)
    raw, gzipped = compact_json(payload)
    headers = {"Cache-Control": "private, no-store"}
    return _bytes_response(request, raw, gzipped, "application/json", headers)


def _version(database: Database, operation: Operation, user: User) -> str:
    with database.read() as session:
        return record_version(session, operation, user)


@router.get("/operations/{operation}/dashboard/version")
async def dashboard_version(
    request: Request,
    database: DatabaseDep,
    user: CurrentUser,
    operation: OperationDep,
    known: Annotated[str | None, Query(max_length=64, description="the tag you have")] = None,
    wait_s: Annotated[
        float, Query(ge=0, le=MAX_WAIT_S, description="wait up to this long for a change")
    ] = 0.0,
) -> dict[str, str]:
    """A tag that changes when a record you may see, a corridor or a plan is added.

    With ``known`` and ``wait_s`` this is a long poll: the answer comes as soon as the tag
    differs from ``known`` (checked every 0.25 s, without holding a worker thread), or after
    ``wait_s`` seconds with the unchanged tag. The page keeps one such request open.
    """
    deadline = time.monotonic() + wait_s
    while True:
        version = await run_in_threadpool(_version, database, operation, user)
        if version != known or time.monotonic() >= deadline:
            return {"version": version}
        if await request.is_disconnected():
            return {"version": version}
        await asyncio.sleep(CHECK_EVERY_S)
