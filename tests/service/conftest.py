"""A small operation on each backend: three organisations, every role, two corridors."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi.testclient import TestClient

from safepassage.api import create_app
from safepassage.storage import Database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.types import Role
from tests.storage.dbfixtures import database, db_url, pg_url, sqlite_template

__all__ = ["database", "db_url", "pg_url", "sqlite_template"]

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)


def ago(hours: float) -> str:
    """An ISO time ``hours`` before the test session started."""
    return (NOW - dt.timedelta(hours=hours)).isoformat()


def new_id() -> str:
    return str(uuid.uuid4())


def make_token(database: Database, org: str, role: Role, name: str = "") -> tuple[int, str]:
    with database.session() as session:
        organisation = ensure_organisation(session, org)
        user, token = create_user(session, organisation, role=role, name=name)
        return user.id, token


@dataclass
class World:
    client: TestClient
    database: Database
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def post(self, who: str, path: str, body: Any) -> Any:
        return self.client.post(path, json=body, headers=self.as_(who))

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.as_(who))


def crossing(corridor: str = "C1", people: int = 120, hours_ago: float = 3, **extra: Any) -> dict:
    return {
        "client_id": new_id(),
        "corridor": corridor,
        "window_start": ago(hours_ago + 1),
        "window_end": ago(hours_ago),
        "people": people,
        **extra,
    }


@pytest.fixture
def client(database: Database) -> Iterator[TestClient]:
    with TestClient(create_app(database)) as test_client:
        yield test_client


@pytest.fixture
def world(client: TestClient, database: Database) -> World:
    """WFP leads operation "aleppo" with corridors C1, C2; ICRC takes part; MSF does not."""
    w = World(client=client, database=database)
    with database.session() as session:  # one transaction for all the users
        for org, role in [
            ("WFP", Role.ADMIN),
            ("WFP", Role.PLANNER),
            ("WFP", Role.MONITOR),
            ("WFP", Role.LOGISTICS),
            ("WFP", Role.VIEWER),
            ("ICRC", Role.PLANNER),
            ("ICRC", Role.MONITOR),
            ("ICRC", Role.LOGISTICS),
            ("MSF", Role.ADMIN),
        ]:
            who = f"{org.lower()}_{role.value}"
            organisation = ensure_organisation(session, org)
            user, w.tokens[who] = create_user(session, organisation, role=role, name=who)
            w.ids[who] = user.id
    assert (
        w.post("wfp_planner", "/operations", {"code": "aleppo", "name": "Aleppo"}).status_code
        == 201
    )
    for code in ("C1", "C2"):
        body = {"code": code, "name": f"Corridor {code}", "planned_throughput_pph": 1500}
        assert w.post("wfp_planner", "/operations/aleppo/corridors", body).status_code == 201
    assert w.post("wfp_planner", "/operations/aleppo/members", {"organisation": "ICRC"}).is_success
    for who in ("wfp_monitor", "icrc_monitor"):
        body = {"user_id": w.ids[who]}
        response = w.post("wfp_planner", "/operations/aleppo/corridors/C1/monitors", body)
        assert response.status_code == 204, response.text
    return w
