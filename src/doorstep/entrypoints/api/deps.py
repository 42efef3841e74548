"""Request-scoped access to the wired container."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy import Engine

from doorstep.bootstrap import Container


def container(request: Request) -> Container:
    c: Container = request.app.state.container
    return c


def engine(request: Request) -> Engine:
    return container(request).engine


def correlation_id(request: Request) -> str | None:
    """The request's correlation id (set by ``request_log.RequestLog``)."""
    value = getattr(request.state, "correlation_id", None)
    return value if isinstance(value, str) else None
