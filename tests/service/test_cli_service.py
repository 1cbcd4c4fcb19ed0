"""``safepassage users create`` and ``safepassage serve`` as a user runs them."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from safepassage.api import create_app
from safepassage.cli.main import main
from safepassage.storage import open_database
from tests.service.server import free_port, start_server

pytestmark = pytest.mark.service


def test_users_create_prints_a_working_token_once(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["users", "create", "--org", "OCHA", "--role", "admin", "--db", db_url]) == 0
    captured = capsys.readouterr()
    token = captured.out.strip()
    assert len(token) >= 40 and "shown once" in captured.err
    database = open_database(db_url)
    try:
        with TestClient(create_app(database)) as client:
            me = client.get("/me", headers={"Authorization": f"Bearer {token}"}).json()
        with database.engine.connect() as conn:
            stored = conn.exec_driver_sql("SELECT token_hash FROM users").scalar()
    finally:
        database.dispose()
    assert (me["organisation"], me["role"]) == ("OCHA", "admin")
    assert stored != token and len(stored) == 64


def test_users_create_refuses_a_bad_role_or_organisation(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["users", "create", "--org", "WFP", "--role", "boss", "--db", db_url]) == 2
    assert "viewer, monitor, logistics, planner, admin" in capsys.readouterr().err
    assert main(["users", "create", "--org", "W F P", "--role", "admin", "--db", db_url]) == 2
    assert "organisation code" in capsys.readouterr().err


def test_serve_migrates_a_new_database_and_answers(tmp_path: Path) -> None:
    db = str(tmp_path / "fresh" / "ops.db")
    port = free_port()
    process = start_server(db, port)
    try:
        response = httpx.get(f"http://127.0.0.1:{port}/operations")
        assert response.status_code == 401 and response.json()["status"] == 401
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=10)
    assert main(["audit", "verify", "--db", db]) == 0


def test_users_revoke(db_url: str, capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["users", "create", "--org", "OCHA", "--role", "viewer", "--db", db_url]) == 0
    capsys.readouterr()
    assert main(["users", "revoke", "--id", "1", "--db", db_url]) == 0
    assert main(["users", "revoke", "--id", "99", "--db", db_url]) == 2
    assert "no user with id 99" in capsys.readouterr().err
    assert main(["audit", "verify", "--db", db_url]) == 0
