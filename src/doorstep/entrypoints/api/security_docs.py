"""The OpenAPI document names how to authenticate: security schemes and, per operation,
whether it needs one.

``require`` is one plain dependency (no FastAPI security classes: each extra dependency
costs every request), so the document learns about credentials here instead::

    components.securitySchemes  apiKey (HTTP bearer: an API key), staffSession (cookie)
    operation.security          [{apiKey: []}, {staffSession: []}] when a role is required,
                                absent on routes that are public on purpose
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from doorstep.entrypoints.api.access import SESSION_COOKIE

SCHEMES: dict[str, Any] = {
    "apiKey": {"type": "http", "scheme": "bearer",
               "description": "An API key: `Authorization: Bearer dsk_live_…` "
                              "(`doorstep keys create`)."},
    "staffSession": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                     "description": "A staff session from `POST /login` (browser)."},
}
REQUIREMENT: list[dict[str, list[str]]] = [{"apiKey": []}, {"staffSession": []}]


def _requires_role(dependant: Any) -> bool:
    return any(getattr(d.call, "required_roles", None) is not None or _requires_role(d)
               for d in getattr(dependant, "dependencies", ()))


def guarded_operations(app: FastAPI) -> set[tuple[str, str]]:
    """(path, method) of every route that requires a role."""
    guarded: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and _requires_role(route.dependant):
            path = context.path_format or route.path_format
            guarded |= {(path, m.lower()) for m in route.methods or ()}
    return guarded


def document_security(app: FastAPI) -> None:
    """Make ``app.openapi()`` carry the security schemes and each operation's need."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            schema.setdefault("components", {}).setdefault("securitySchemes", {}).update(
                SCHEMES)
            guarded = guarded_operations(app)
            for path, operations in schema.get("paths", {}).items():
                for method, operation in operations.items():
                    if (path, method) in guarded:
                        operation["security"] = REQUIREMENT
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
