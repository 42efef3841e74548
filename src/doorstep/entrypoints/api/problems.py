"""RFC 9457 ``application/problem+json`` for every error the API returns.

Validation errors list each failing field as ``{"field": "lines.0.quantity", "reason": …}``
so a shop's developer sees at once what to fix.  Routing errors (404, 405), the request
guards (413, 415, 429, 431 — see ``request_guard`` and ``rate_limits``) and failures answer
in the same shape::

    unexpected exception  ─► 500, a correlation id (also in X-Request-ID and the log), no internals
    database unreachable  ─► 503 + Retry-After (the client should simply try again)
    value the database refuses (a gap in validation) ─► 422 (409 for a constraint), logged
"""

from __future__ import annotations

import logging
import re
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException

from doorstep.domain.errors import (
    DomainError,
    InsufficientStock,
    InvalidTransition,
    InvalidValue,
    NotFound,
)
from doorstep.domain.packing.labelling import CarrierRefused
from doorstep.domain.packing.parcel_states import ParcelStepRefused
from doorstep.services.intake import DuplicateOrder, IdempotencyConflict

PROBLEM = "application/problem+json"
RETRY_AFTER_UNAVAILABLE_S = 5
log = logging.getLogger("doorstep.api")

TITLES = {400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found",
          405: "Method not allowed", 406: "Not acceptable", 409: "Conflict",
          413: "Content too large", 415: "Unsupported media type", 422: "Invalid request",
          429: "Too many requests", 431: "Request header fields too large",
          500: "Internal server error", 503: "Service unavailable"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def problem(status: int, title: str, detail: str, **extra: Any) -> JSONResponse:
    body = {"type": f"https://doorstep.dev/problems/{title.lower().replace(' ', '-')}",
            "title": title, "status": status, "detail": detail, **extra}
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = [{"field": _field(tuple(e["loc"])), "reason": e["msg"]} for e in exc.errors()]
    detail = "; ".join(f"{e['field']}: {e['reason']}" for e in errors[:5])
    return problem(422, "Invalid request", detail, errors=errors)


def problem_bytes(status: int, detail: str, **extra: Any) -> bytes:
    """The body of ``problem(status, TITLES[status], detail)``, for plain ASGI middleware."""
    return bytes(problem(status, TITLES.get(status, "Error"), detail, **extra).body)


def correlation_id(request: Request) -> str:
    """The request's id: set by a middleware, sent by the client (if sane), or a new one."""
    known = getattr(request.state, "request_id", None)
    if isinstance(known, str) and known:
        return known
    sent = request.headers.get("x-request-id", "")
    return sent if _REQUEST_ID.match(sent) else uuid.uuid4().hex


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"no route {request.url.path}"
    elif exc.status_code == 405 and detail == "Method Not Allowed":
        detail = f"{request.method} is not allowed on {request.url.path}"
    response = problem(exc.status_code, TITLES.get(exc.status_code, "Error"), detail)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    if isinstance(exc, NotFound):
        return problem(404, "Not found", str(exc))
    if isinstance(exc, IdempotencyConflict):
        return problem(409, "Idempotency key reused", str(exc), order_id=exc.order_id)
    if isinstance(exc, DuplicateOrder):
        return problem(409, "Duplicate order", str(exc), order_id=exc.order_id)
    if isinstance(exc, InvalidTransition):
        return problem(409, "Invalid transition", str(exc), current_status=exc.current)
    if isinstance(exc, ParcelStepRefused):
        return problem(409, "Parcel step refused", str(exc), current_status=exc.status)
    if isinstance(exc, CarrierRefused):
        return problem(502, "Carrier refused", str(exc), carrier=exc.carrier,
                       carrier_messages=exc.messages)
    if isinstance(exc, InsufficientStock):
        return problem(409, "Insufficient stock", str(exc), available=exc.available)
    if isinstance(exc, InvalidValue):
        return problem(422, "Invalid request", str(exc),
                       errors=[{"field": exc.field, "reason": exc.reason}])
    return problem(400, "Rejected", str(exc))


async def _database(request: Request, exc: Exception) -> JSONResponse:
    cid = correlation_id(request)
    if isinstance(exc, sa_exc.DataError | sa_exc.IntegrityError):
        # Validation should have refused the value; say so without the driver's message.
        log.warning("database refused a value [%s] %s %s: %s", cid, request.method,
                    request.url.path, type(exc.orig).__name__)
        if isinstance(exc, sa_exc.IntegrityError):
            response = problem(409, "Conflict", "the request conflicts with stored data",
                               correlation_id=cid)
        else:
            response = problem(422, "Invalid request", "a value was refused by the database "
                               "(out of range or not allowed)", correlation_id=cid)
    else:
        log.error("database unavailable [%s] %s %s: %s", cid, request.method,
                  request.url.path, type(exc.orig).__name__ if isinstance(exc, sa_exc.DBAPIError)
                  else type(exc).__name__)
        response = problem(503, "Service unavailable",
                           "the database is not reachable; try again shortly",
                           correlation_id=cid)
        response.headers["Retry-After"] = str(RETRY_AFTER_UNAVAILABLE_S)
    response.headers["X-Request-ID"] = cid
    return response


async def _overflow(request: Request, exc: Exception) -> JSONResponse:
    # SQLite refuses integers past 64 bits with OverflowError (not a DBAPI error); the
    # request types bound them, so this is the net under routes that do not use those yet.
    cid = correlation_id(request)
    log.warning("number out of range [%s] %s %s", cid, request.method, request.url.path)
    return problem(422, "Invalid request", "a number is out of range (integers: at most "
                   "2^63-1)", correlation_id=cid)


async def _server_error(request: Request, exc: Exception) -> JSONResponse:
    cid = correlation_id(request)
    log.error("unexpected error [%s] %s %s", cid, request.method, request.url.path,
              exc_info=exc)
    response = problem(500, "Internal server error",
                       f"an unexpected error occurred; quote correlation id {cid} when "
                       "reporting it", correlation_id=cid)
    response.headers["X-Request-ID"] = cid
    return response


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(DomainError, _domain)
    for error in (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError,
                  sa_exc.DataError, sa_exc.IntegrityError):
        app.add_exception_handler(error, _database)
    app.add_exception_handler(OverflowError, _overflow)
    app.add_exception_handler(Exception, _server_error)
