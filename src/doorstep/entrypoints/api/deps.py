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
