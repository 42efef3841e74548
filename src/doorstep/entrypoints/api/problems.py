"""RFC 9457 ``application/problem+json`` for every error the API returns.

Validation errors list each failing field as ``{"field": "lines.0.quantity", "reason": …}``
so a shop's developer sees at once what to fix.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from doorstep.domain.errors import (
    DomainError,
    InsufficientStock,
    InvalidTransition,
    InvalidValue,
    NotFound,
)
from doorstep.services.intake import DuplicateOrder, IdempotencyConflict

PROBLEM = "application/problem+json"


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


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    titles = {400: "Bad request", 401: "Unauthorized", 404: "Not found", 409: "Conflict",
              422: "Invalid request", 503: "Service unavailable"}
    response = problem(exc.status_code, titles.get(exc.status_code, "Error"), detail)
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
    if isinstance(exc, InsufficientStock):
        return problem(409, "Insufficient stock", str(exc), available=exc.available)
    if isinstance(exc, InvalidValue):
        return problem(422, "Invalid request", str(exc),
                       errors=[{"field": exc.field, "reason": exc.reason}])
    return problem(400, "Rejected", str(exc))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(HTTPException, _http)
    app.add_exception_handler(DomainError, _domain)
