"""Ingest throughput through the batch API, and single-write latency under 50 concurrent clients.

Issue 6 targets: at least 10,000 records/s through ``POST …/crossings/batch`` (500-record batches,
each record durable when acknowledged: SQLite ``synchronous=FULL``, PostgreSQL default
``synchronous_commit=on``), and p99 under 100 ms for single writes from 50 concurrent clients
on loopback. Each backend runs a real ``safepassage serve`` process (the defaults: one process,
40 worker threads, 20 + 20 pooled connections) on a fresh database.

    .venv/bin/python benchmarks/ingest_throughput.py [--backend sqlite|postgresql|both]
        [--records 20000] [--batch 500] [--clients 50] [--writes 20] [--workers 1]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

from safepassage.storage import open_database
from safepassage.storage.accounts import create_user, ensure_organisation
from safepassage.storage.types import Role

PG_SERVER = os.environ.get("SAFEPASSAGE_TEST_PG", "postgresql://postgres@127.0.0.1:5432")
T0 = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(days=1)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _token(db: str) -> str:
    database = open_database(db)
    with database.session() as session:
        organisation = ensure_organisation(session, "WFP")
        _, token = create_user(session, organisation, role=Role.PLANNER, name="bench")
    database.dispose()
    return token


def _serve(db: str, port: int, workers: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "safepassage", "serve", "--db", db, "--port", str(port)]
    command += ["--workers", str(workers)]
    process = subprocess.Popen([*command, "--log-level", "warning"], stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def _crossing(i: int) -> dict[str, object]:
    start = T0 + dt.timedelta(minutes=i % 1000)
    return {
        "client_id": str(uuid.uuid4()),
        "corridor": "C1",
        "window_start": start.isoformat(),
        "window_end": (start + dt.timedelta(minutes=15)).isoformat(),
        "people": i % 400,
    }


def _throughput(client: httpx.Client, records: int, batch: int) -> float:
    bodies = [
        {"items": [_crossing(i) for i in range(s, min(s + batch, records))]}
        for s in range(0, records, batch)
    ]
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/operations/bench/crossings/batch", json=body)
        response.raise_for_status()
    return records / (time.perf_counter() - started)


async def _latencies(base: str, token: str, clients: int, writes: int) -> list[float]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(
        base_url=base, headers=headers, limits=limits, timeout=120
    ) as client:

        async def one_client(c: int) -> list[float]:
            out = []
            for w in range(writes):
                started = time.perf_counter()
                response = await client.post(
                    "/operations/bench/crossings", json=_crossing(c * writes + w)
                )
                response.raise_for_status()
                out.append(time.perf_counter() - started)
            return out

        results = await asyncio.gather(*(one_client(c) for c in range(clients)))
    return [t for r in results for t in r]


def run(label: str, db: str, args: argparse.Namespace) -> None:
    token, port = _token(db), _free_port()
    process = _serve(db, port, args.workers)
    base = f"http://127.0.0.1:{port}"
    try:
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=base, headers=headers, timeout=60) as client:
            client.post("/operations", json={"code": "bench", "name": "Bench"}).raise_for_status()
            corridor = {"code": "C1", "name": "North", "planned_throughput_pph": 1500}
            client.post("/operations/bench/corridors", json=corridor).raise_for_status()
            _throughput(client, args.batch, args.batch)  # warm-up
            rate = _throughput(client, args.records, args.batch)
        times = asyncio.run(_latencies(base, token, args.clients, args.writes))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    quantiles = statistics.quantiles(times, n=100)
    print(
        f"{label:<11} {args.workers} worker(s): batch ingest {rate:9,.0f} records/s "
        f"({args.records:,} records, "
        f"{args.batch}/batch)   single writes, {args.clients} clients: "
        f"p50 {quantiles[49] * 1000:6.1f} ms  p99 {quantiles[98] * 1000:6.1f} ms  "
        f"({len(times) / max(sum(times) / args.clients, 1e-9):,.0f} writes/s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writes", type=int, default=20, help="single writes per client")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", str(Path(tmp) / "bench.db"), args)
    if args.backend in ("postgresql", "both"):
        import psycopg

        name = f"safepassage_bench_{secrets.token_hex(4)}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            run("PostgreSQL", f"{PG_SERVER}/{name}", args)
        finally:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
