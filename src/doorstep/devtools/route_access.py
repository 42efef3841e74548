"""Walk every route an app registers and check what it declares against what it does.

``declarations(app)`` finds, for each ``APIRoute``, the ``require(...)`` or ``public(...)``
marker anywhere in its dependency tree (route, router or handler parameter).  A route
without one is a hole: ``undeclared(app)`` names it.  ``access_failures(app, client,
tokens)`` then calls every declared route three times::

    no credential                          → must be 401     (public routes: skipped)
    a role the route does not allow        → must be 403     (if any such role exists)
    a role it allows (not admin)           → must not be 401/403

Path parameters get a harmless value (``x`` or ``1``), bodies an empty JSON object, so the
allowed call usually ends in 404 or 422 — what matters is that it got past the door.  The
test suite runs this over the full app, so a route any helper adds is checked without
anyone remembering to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.testclient import TestClient

from doorstep.domain.access import Role

__all__ = ["Declaration", "access_failures", "declarations", "undeclared"]

_PARAM = re.compile(r"{([^}:]+)(?::[^}]+)?}")


@dataclass(frozen=True)
class Declaration:
    path: str
    methods: tuple[str, ...]
    roles: frozenset[Role] | None  # None: public
    public_reason: str | None


def _markers(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _markers(sub)


def declaration(route: RouteContext) -> Declaration | None:
    roles: frozenset[Role] | None = None
    reason: str | None = None
    for call in _markers(route.dependant):
        required = getattr(call, "required_roles", None)
        if required is not None:
            # several requirements on one route: the caller must satisfy all of them
            roles = frozenset(required) if roles is None else roles & frozenset(required)
        public_reason = getattr(call, "public_reason", None)
        if public_reason is not None:
            reason = str(public_reason)
    if roles is None and reason is None:
        return None
    return Declaration(path=str(route.path), methods=tuple(sorted(route.methods or ())),
                       roles=roles if reason is None else None, public_reason=reason)


def api_routes(app: FastAPI) -> list[RouteContext]:
    """Every API route as served — included routers flattened, their dependencies added."""
    return [c for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def declarations(app: FastAPI) -> list[tuple[RouteContext, Declaration | None]]:
    return [(r, declaration(r)) for r in api_routes(app)]


def undeclared(app: FastAPI) -> list[str]:
    """``METHOD /path`` of every route that declares neither ``require`` nor ``public``."""
    return [f"{','.join(sorted(r.methods or ()))} {r.path}"
            for r, d in declarations(app) if d is None]


def _concrete_path(route: RouteContext) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        for param in route.dependant.path_params:
            if param.name == name and param.field_info.annotation is int:
                return "1"
        return "x"

    return _PARAM.sub(fill, str(route.path))


def _call(client: TestClient, method: str, path: str, token: str | None) -> int:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    status: int = client.request(method, path, **kwargs).status_code
    return status


def access_failures(app: FastAPI, client: TestClient, tokens: dict[Role, str]) -> list[str]:
    """Every way a declared route disagrees with its declaration (empty: all hold)."""
    failures = [f"{name}: declares neither require(...) nor public(...)"
                for name in undeclared(app)]
    for route, decl in declarations(app):
        if decl is None or decl.roles is None:
            continue
        path = _concrete_path(route)
        allowed = decl.roles - {Role.ADMIN}
        denied = [r for r in Role if r not in decl.roles]
        for method in decl.methods:
            if method == "HEAD":
                continue
            name = f"{method} {route.path}"
            status = _call(client, method, path, None)
            if status != 401:
                failures.append(f"{name}: anonymous got {status}, not 401")
            if denied:
                status = _call(client, method, path, tokens[denied[0]])
                if status != 403:
                    failures.append(f"{name}: role {denied[0]} got {status}, not 403")
            for role in sorted(allowed) or [Role.ADMIN]:
                status = _call(client, method, path, tokens[role])
                if status in (401, 403):
                    failures.append(f"{name}: allowed role {role} got {status}")
    return failures
