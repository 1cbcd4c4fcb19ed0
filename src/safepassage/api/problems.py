"""Errors as JSON problem details (RFC 9457): a clear message, never a stack trace."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from safepassage.errors import DataError, SafepassageError
from safepassage.storage.records import ConflictError, NotFoundError

__all__ = ["install_handlers", "problem"]

_log = logging.getLogger("safepassage.api")


def problem(status: int, detail: str, **extra: Any) -> JSONResponse:
    """A ``application/problem+json`` response."""
    body = {"status": status, "title": HTTPStatus(status).phrase, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p != "body"]
    text = ""
    for part in parts:
        text += f"[{part}]" if part.isdigit() else (f".{part}" if text else part)
    return text or "body"


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = str(exc.detail)
    if detail == HTTPStatus(exc.status_code).phrase:  # Starlette's own routing errors
        detail = f"{detail}: {request.method} {request.url.path}; the endpoints are listed at /docs"
    response = problem(exc.status_code, detail)
    for key, value in (exc.headers or {}).items():
        response.headers[key] = value
    return response


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # the submitted values are not echoed back: they may be sensitive
    errors = [{"field": _location(e["loc"]), "message": e["msg"]} for e in exc.errors()]
    shown = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return problem(422, f"invalid request: {shown}{more}", errors=errors)


async def _safepassage(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, NotFoundError):
        return problem(404, str(exc))
    if isinstance(exc, ConflictError):
        return problem(409, str(exc))
    if isinstance(exc, DataError):  # a file that cannot be taken as it is
        return problem(422, str(exc))
    return problem(400, str(exc))


async def _internal(request: Request, exc: Exception) -> JSONResponse:
    _log.exception("internal error on %s %s", request.method, request.url.path)
    return problem(500, "internal error; the server log has the details (this is a bug)")


def install_handlers(app: FastAPI) -> None:
    """Register the handlers: HTTP errors, validation, bad input, and anything else."""
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(SafepassageError, _safepassage)
    app.add_exception_handler(Exception, _internal)
