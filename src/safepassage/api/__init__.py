"""The operations service's HTTP API (FastAPI); depends on ``storage``, never the reverse."""

from __future__ import annotations

from safepassage.api.app import create_app

__all__ = ["create_app"]
