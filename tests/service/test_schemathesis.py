"""Property-based requests from the OpenAPI schema (schemathesis): no request, valid or not, gets
a server error. Each operation is called on an existing operation and corridor, so that the
generated bodies and queries reach the storage code."""

from __future__ import annotations

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error

from safepassage.api import create_app
from safepassage.storage import Database
from safepassage.storage.types import Role
from tests.service.conftest import make_token

pytestmark = [pytest.mark.service, pytest.mark.slow]

EXAMPLES = 4
MODES = [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]


def _run(operation: schemathesis.APIOperation, headers: dict[str, str], **kwargs: object) -> None:
    for mode in MODES:
        strategy = operation.as_strategy(generation_mode=mode, **kwargs)  # type: ignore[arg-type]

        @given(case=strategy)
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def check(case: schemathesis.Case) -> None:
            case.call_and_validate(headers=headers, checks=[not_a_server_error])

        try:
            check()
        except Unsatisfiable:
            assert mode is schemathesis.GenerationMode.NEGATIVE  # nothing to make invalid


def test_no_request_gets_a_server_error(database: Database) -> None:
    _, token = make_token(database, "WFP", Role.ADMIN)
    app = create_app(database)
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 20
    with TestClient(app) as client:
        client.post("/operations", json={"code": "op", "name": "Op"}, headers=headers)
        client.post("/operations/op/corridors", json={"code": "C1", "name": "N"}, headers=headers)
    existing = {"operation": "op", "corridor": "C1"}
    # DELETE /users/{id} may revoke the caller's own token: run it last
    for operation in sorted(operations, key=lambda op: (op.method == "delete", op.label)):
        names = {p.name for p in operation.path_parameters}  # type: ignore[attr-defined]
        if names:  # generated codes only reach the 404 of the operation lookup: use real ones
            _run(
                operation, headers, path_parameters={k: existing[k] for k in names if k in existing}
            )
        else:
            _run(operation, headers)
