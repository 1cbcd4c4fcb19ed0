"""Errors are JSON problem details with a clear message, never a stack trace; docs work offline."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient

from safepassage.api import create_app
from safepassage.storage import Database
from tests.service.conftest import World, crossing

pytestmark = pytest.mark.service

CROSSINGS = "/operations/aleppo/crossings"


def problem(response, status: int) -> str:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and "Traceback" not in response.text
    return str(body["detail"])


def test_validation_errors_name_the_field_and_do_not_echo_values(world: World) -> None:
    body = {**crossing(), "people": -5, "group": "secret name"}
    detail = problem(world.post("wfp_monitor", CROSSINGS, body), 422)
    assert "people: Input should be greater than or equal to 0" in detail
    assert (
        "group" in detail and "secret name" not in world.post("wfp_monitor", CROSSINGS, body).text
    )


def test_times_need_a_timezone_and_must_not_be_in_the_future(world: World) -> None:
    naive = {
        **crossing(),
        "window_start": "2026-01-01T08:00:00",
        "window_end": "2026-01-01T09:00:00",
    }
    assert "timezone" in problem(world.post("wfp_monitor", CROSSINGS, naive), 422)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=2)
    future = {
        **crossing(),
        "window_start": later.isoformat(),
        "window_end": (later + dt.timedelta(hours=1)).isoformat(),
    }
    assert "check the device clock" in problem(world.post("wfp_monitor", CROSSINGS, future), 422)
    backwards = {**crossing(), "window_end": crossing()["window_start"]}
    backwards["window_start"] = crossing(hours_ago=0.5)["window_end"]
    assert "window_end must be after" in problem(
        world.post("wfp_monitor", CROSSINGS, backwards), 422
    )


def test_unknown_things_are_404_with_a_message(world: World) -> None:
    url = "/operations/aleppo/corridors/C7/status"
    assert "corridor 'C7' not found" in problem(world.get("wfp_viewer", url), 404)
    assert "GET /nowhere; the endpoints are listed" in problem(
        world.get("wfp_viewer", "/nowhere"), 404
    )
    detail = problem(
        world.post("wfp_planner", "/operations/aleppo/members", {"organisation": "X"}), 404
    )
    assert "organisation 'X' not found" in detail


def test_malformed_json_and_a_taken_code(world: World) -> None:
    response = world.client.post(
        CROSSINGS,
        content=b"{not json",
        headers={**world.as_("wfp_monitor"), "content-type": "application/json"},
    )
    assert "JSON" in problem(response, 422)
    again = world.post("wfp_planner", "/operations", {"code": "aleppo", "name": "again"})
    assert "is taken" in problem(again, 409)


def test_an_internal_error_is_a_500_without_a_stack_trace(database: Database) -> None:
    app = create_app(database)

    def boom() -> None:
        raise RuntimeError("secret internals at /srv/app.py line 3")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    detail = problem(response, 500)
    assert "internal error" in detail and "secret" not in response.text


def test_docs_page_and_schema_load_nothing_from_the_internet(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200 and "/operations/{operation}/crossings/batch" in page.text
    assert not re.search(r"<script|https?://", page.text)
    schema = client.get("/openapi.json").json()
    assert "/operations/{operation}/stock-balances" in schema["paths"]
    assert client.get("/health").json() == {"status": "ok"}


def test_text_that_a_backend_cannot_store_is_refused_not_a_500(world: World) -> None:
    incident = {
        "client_id": crossing()["client_id"],
        "event_time": crossing()["window_end"],
        "type": "shelling",
        "severity": "high",
        "description": "a\x00b",
    }
    detail = problem(world.post("wfp_monitor", "/operations/aleppo/incidents", incident), 422)
    assert "description: Value error, text contains a NUL" in detail
    delivery = {
        "client_id": crossing()["client_id"],
        "event_time": crossing()["window_end"],
        "warehouse": "W1",
        "item": "rice",
        "quantity": 1,
        "unit": "metric-tonnes-of-rice",  # longer than the 16-character column
    }
    detail = problem(world.post("wfp_logistics", "/operations/aleppo/deliveries", delivery), 422)
    assert "unit" in detail
