"""Ingest throughput through the batch API, and single-write latency under 50 concurrent clients.

Issue 6 targets: at least 10,000 records/s through ``POST …/crossings/batch`` (500-record batches,
each record durable when acknowledged: SQLite ``synchronous=FULL``, PostgreSQL default
``synchronous_commit=on``), and p99 under 100 ms for single writes from 50 concurrent clients
on loopback. Each backend runs a real ``safepassage serve`` process with its defaults (one
process, uvloop and httptools, the group-commit writer, 40 + 10 pooled connections, access log
on) on a fresh database. The batch client sends one batch at a time (a device uploading its
backlog); the single-write clients are closed loops on a minimal HTTP/1.1 client, so that the
client's own CPU use disturbs the server as little as possible on a 2-core machine.

    .venv/bin/python benchmarks/ingest_throughput.py [--backend sqlite|postgresql|both]
        [--records 20000] [--batch 500] [--clients 50] [--writes 20] [--workers 1] [--repeat 3]

Each measurement runs ``--repeat`` times on the same server; the best batch rate and every
latency round (best p99 first) are printed: on a shared machine the best of N is the one least
disturbed by other work.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
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
    # serve's own defaults (access log included), its output discarded
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("the server did not start")


def _cpu_s(pid: int) -> float:
    """CPU seconds used so far by the server process and its workers (Linux ``/proc``; 0 if
    absent). Unlike the rates, CPU time per record hardly depends on what else the machine
    is doing, so it tells a change's effect on a shared, busy machine."""
    total = 0.0
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        for proc in [str(pid), *children]:
            fields = Path(f"/proc/{proc}/stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(v) for v in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0
    return total


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
    # bodies encoded before the clock starts: the figure is the server's, not httpx's json.dumps
    bodies = [
        json.dumps({"items": [_crossing(i) for i in range(s, min(s + batch, records))]}).encode()
        for s in range(0, records, batch)
    ]
    headers = {"Content-Type": "application/json"}
    started = time.perf_counter()
    for body in bodies:
        response = client.post("/operations/bench/crossings/batch", content=body, headers=headers)
        response.raise_for_status()
    return records / (time.perf_counter() - started)


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes, body: bytes
) -> int:
    """One HTTP/1.1 POST on a kept-alive connection; returns the status code."""
    writer.write(head + str(len(body)).encode() + b"\r\n\r\n" + body)
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def _latencies(port: int, token: str, clients: int, writes: int) -> list[float]:
    """Closed loop: each client sends its next write when the answer to the last one came.

    A minimal HTTP/1.1 client on asyncio streams (one kept-alive connection per client), not
    httpx: on a 2-core machine httpx's own CPU time per request would be most of what is
    measured. Each latency is from just before the request is written until its whole
    answer is read.
    """
    head = (
        "POST /operations/bench/crossings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        "Content-Length: "
    ).encode()

    async def one_client(c: int) -> list[float]:
        bodies = [json.dumps(_crossing(c * writes + w)).encode() for w in range(writes)]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        out = []
        try:
            for body in bodies:
                started = time.perf_counter()
                code = await _post(reader, writer, head, body)
                out.append(time.perf_counter() - started)
                if code != 201:
                    raise SystemExit(f"a single write answered {code}")
        finally:
            writer.close()
        return out

    results = await asyncio.gather(*(one_client(c) for c in range(clients)))
    return [t for r in results for t in r]


def _latency_round(port: int, token: str, args: argparse.Namespace) -> tuple[float, float, float]:
    """p50 and p99 in ms, and writes per second (wall clock), of one closed-loop round."""
    started = time.perf_counter()
    times = asyncio.run(_latencies(port, token, args.clients, args.writes))
    elapsed = time.perf_counter() - started
    quantiles = statistics.quantiles(times, n=100)
    return quantiles[49] * 1000, quantiles[98] * 1000, len(times) / elapsed


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
            cpu = _cpu_s(process.pid)
            rates = [_throughput(client, args.records, args.batch) for _ in range(args.repeat)]
            batch_cpu_us = (_cpu_s(process.pid) - cpu) / (args.records * args.repeat) * 1e6
        asyncio.run(_latencies(port, token, args.clients, 1))  # warm-up: connections, caches
        cpu = _cpu_s(process.pid)
        rounds = [_latency_round(port, token, args) for _ in range(args.repeat)]
        writes = args.clients * args.writes * args.repeat
        single_cpu_ms = (_cpu_s(process.pid) - cpu) / writes * 1e3
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    runs = ", ".join(f"{r:,.0f}" for r in rates)
    print(
        f"{label:<11} {args.workers} worker(s): batch ingest best {max(rates):,.0f} records/s "
        f"of {args.repeat} runs ({runs}; {args.records:,} records, {args.batch}/batch); "
        f"server CPU {batch_cpu_us:.0f} µs/record"
    )
    for p50, p99, rate in sorted(rounds, key=lambda r: r[1]):
        print(
            f"{'':<11} single writes, {args.clients} clients x {args.writes}: "
            f"p50 {p50:6.1f} ms  p99 {p99:6.1f} ms  ({rate:,.0f} writes/s)"
        )
    print(f"{'':<11} server CPU {single_cpu_ms:.2f} ms/single write")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--writes", type=int, default=20, help="single writes per client")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--repeat", type=int, default=3, help="rounds of each measurement")
    args = parser.parse_args()
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            run("SQLite", str(Path(tmp) / "bench.db"), args)
    if args.backend in ("postgresql", "both"):
        import psycopg

        name = f"safepassage_bench_{secrets.token_hex(4)}"
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
            settings = [
                f"{setting}={conn.execute(f'SHOW {setting}').fetchone()[0]}"  # type: ignore[index]
                for setting in ("synchronous_commit", "fsync")
            ]
            print(f"PostgreSQL durability: {', '.join(settings)}")
        try:
            run("PostgreSQL", f"{PG_SERVER}/{name}", args)
        finally:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
