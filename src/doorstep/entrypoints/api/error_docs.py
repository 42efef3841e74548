"""Every error status a route can answer, in the OpenAPI document, as problem+json.

The guards and handlers answer with statuses no route declares itself (413 from the body
guard, 429 from the rate limiter, 503 when the database is down …).  ``document_errors``
adds them to each operation of the generated document by what it takes — a body, path
parameters, any parameters, a credential — so a client generated from the schema (and
schemathesis in the tests) knows every status and content type it can meet.  Operations
keep the descriptions they declare; every error entry gets the problem+json schema.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from doorstep.entrypoints.api.problems import PROBLEM, TITLES

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Problem",
    "description": "RFC 9457 problem details; extra members name fields, ids or limits.",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "properties": {"field": {"type": "string"},
                                             "reason": {"type": "string"}}}},
        "correlation_id": {"type": "string"},
    },
    "additionalProperties": True,
}

WHY = {
    401: "No valid credential (API key or staff session).",
    403: "The credential's role may not do this.",
    400: "The body is not acceptable JSON (too deep, NaN/Infinity, lone surrogates) or a "
         "header is missing or malformed.",
    404: "Nothing with this id, or no such route.",
    409: "The change conflicts with the current state (see the problem's detail).",
    413: "The body is larger than this route accepts.",
    415: "The body is not application/json.",
    422: "A field is invalid; `errors` names each field and the reason.",
    429: "Rate limit reached; `Retry-After` says when to try again.",
    431: "The request line and headers are too large.",
    500: "Unexpected error; the problem carries a correlation id and nothing internal.",
    503: "The database (or a model file) is not available; `Retry-After` may say when to "
         "try again.",
}


def _statuses(method: str, operation: dict[str, Any], guarded: bool) -> set[int]:
    statuses = {429, 431, 500, 503}
    if method in ("post", "put", "patch", "delete"):
        statuses |= {400, 404, 409, 413, 415, 422}  # 404: a referenced product, location …
    where = {p.get("in") for p in operation.get("parameters", [])}
    if "path" in where:
        statuses |= {404, 422}
    if where & {"query", "header"}:
        statuses |= {400, 422}
    if guarded:
        statuses |= {401, 403}
    return statuses


def _needs_credential(dependant: Dependant) -> bool:
    """True when a ``require(...)`` dependency guards the route (see ``access``)."""
    return any(hasattr(d.call, "required_roles") or _needs_credential(d)
               for d in dependant.dependencies)


def _guarded_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every route that asks for a credential."""
    guarded: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and _needs_credential(route.dependant):
            path = context.path_format or route.path_format
            guarded |= {(path, m.lower()) for m in route.methods or ()}
    return guarded


def add_error_responses(schema: dict[str, Any], guarded: set[tuple[str, str]]) -> None:
    """Add the problem+json error responses to every operation of an OpenAPI document."""
    problem_content = {PROBLEM: {"schema": PROBLEM_SCHEMA}}
    for path, operations in schema.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            for status in sorted(_statuses(method, operation, (path, method) in guarded)):
                entry = responses.setdefault(str(status), {})
                entry.setdefault("description", f"{TITLES.get(status, 'Error')}. {WHY[status]}")
                if status == 422 or "content" not in entry:
                    entry["content"] = problem_content  # FastAPI's 422 shape is not ours
            for code, entry in responses.items():
                if code.isdigit() and int(code) >= 400 and "content" not in entry:
                    entry["content"] = problem_content
    schema.get("components", {}).get("schemas", {}).pop("HTTPValidationError", None)
    schema.get("components", {}).get("schemas", {}).pop("ValidationError", None)


def document_errors(app: FastAPI) -> None:
    """Make ``app.openapi()`` list every error status, as problem+json, on every route."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            add_error_responses(schema, _guarded_operations(app))
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
