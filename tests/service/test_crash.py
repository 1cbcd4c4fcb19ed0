"""Kill the server with SIGKILL in the middle of batch ingests; after restart every acknowledged
record is there, and no unacknowledged batch is half there."""

from __future__ import annotations

import signal
import threading
import time
from collections import Counter

import httpx
import pytest
from sqlalchemy import func, select

from safepassage.storage import open_database
from safepassage.storage.audit import verify
from safepassage.storage.models import CrossingCount
from safepassage.storage.types import Role
from tests.service.conftest import crossing, make_token
from tests.service.server import free_port, start_server

pytestmark = [pytest.mark.service, pytest.mark.slow]

BATCH = 400
SENDERS = 3


def _sender(
    base: str, token: str, sender: int, acked: list[str], cut: list[str], stop: threading.Event
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        n = 0
        while not stop.is_set():
            label = f"s{sender}b{n}"  # the group field tags each batch
            items = [crossing(group=label, hours_ago=1 + i % 50) for i in range(BATCH)]
            try:
                response = client.post("/operations/op/crossings/batch", json={"items": items})
            except httpx.TransportError:
                cut.append(label)  # the server died before answering: not acknowledged
                return
            if response.status_code == 200:
                acked.append(label)
            n += 1


def test_sigkill_mid_batch_loses_no_acknowledged_record(db_url: str) -> None:
    database = open_database(db_url)
    _, token = make_token(database, "WFP", Role.PLANNER)
    database.dispose()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(db_url, port)
    headers = {"Authorization": f"Bearer {token}"}
    httpx.post(f"{base}/operations", json={"code": "op", "name": "Op"}, headers=headers)
    httpx.post(f"{base}/operations/op/corridors", json={"code": "C1", "name": "N"}, headers=headers)
    acked: list[str] = []
    cut: list[str] = []
    stop = threading.Event()
    senders = [
        threading.Thread(target=_sender, args=(base, token, s, acked, cut, stop))
        for s in range(SENDERS)
    ]
    for thread in senders:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acked) < 6 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.013)  # land the kill inside some batch's transaction, not between batches
    server.send_signal(signal.SIGKILL)
    server.wait(timeout=10)
    stop.set()
    for thread in senders:
        thread.join(timeout=30)
    assert len(acked) >= 6, "the server acknowledged too few batches before the kill"
    assert cut, "no batch was in flight when the server was killed"

    database = open_database(db_url)  # as a restart does: migrate (a no-op), then read
    try:
        with database.session() as session:
            rows = session.execute(
                select(CrossingCount.group, func.count()).group_by(CrossingCount.group)
            ).all()
            report = verify(session)
    finally:
        database.dispose()
    stored = Counter(dict(rows))
    assert all(stored[label] == BATCH for label in acked), "an acknowledged batch is missing"
    half = {label: n for label, n in stored.items() if n != BATCH}
    assert not half, f"batches partly stored: {half}"
    assert report.ok, report.problems
