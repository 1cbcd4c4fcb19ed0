"""Run ``safepassage serve`` in a child process, as a user would."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx

__all__ = ["free_port", "start_server"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(db: str, port: int) -> subprocess.Popen[bytes]:
    """``safepassage serve`` in a child process; returns once /health answers."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "safepassage",
            "serve",
            "--db",
            db,
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).is_success:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
    process.kill()
    raise AssertionError("server did not start in 20 s")
