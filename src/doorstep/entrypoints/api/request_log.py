"""Correlation ids and the access log: one JSON line per request.

Every request gets a correlation id — the caller's ``X-Request-ID`` if it is a sane token
(≤ 100 of ``A-Z a-z 0-9 . _ : -``), else a fresh one — returned in the response's
``X-Request-ID`` and kept in ``request.state.correlation_id`` for the audit trail and for
error bodies.  When the request is done one line goes to the ``doorstep.access`` logger::

    {"time": "2026-11-30T09:12:03.412Z", "principal": "key:shop-berlin", "method": "POST",
     "route": "/v1/orders/{order_id}/cancel", "status": 200, "duration_ms": 3.1,
     "correlation_id": "5f0c…", "client": "10.0.0.7"}

The route is the *template*, so order ids, tokens in paths and query strings never reach
the log; headers are never logged (no Authorization, no cookie).  A plain ASGI middleware
rather than Starlette's ``BaseHTTPMiddleware``, which costs a task and a stream per request.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from datetime import UTC, datetime
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

ACCESS_LOG = logging.getLogger("doorstep.access")
REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


def correlation_id_from(raw: str | None) -> str:
    if raw and _SANE_ID.match(raw):
        return raw
    return os.urandom(16).hex()  # as random as uuid4().hex, without building a UUID


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return str(value.decode("latin-1"))
    return None


def _route_template(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return str(path) if path else "(no route)"


class RequestLog:
    """Assigns the correlation id and, when ``enabled``, logs one JSON line per request."""

    def __init__(self, app: ASGIApp, *, enabled: bool = True,
                 logger: logging.Logger = ACCESS_LOG) -> None:
        self.app = app
        self.enabled = enabled
        self.logger = logger

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        rid = correlation_id_from(_header(scope, b"x-request-id"))
        state: dict[str, Any] = scope.setdefault("state", {})
        state["correlation_id"] = state["request_id"] = rid  # problems.py reads request_id
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                raw = list(message.get("headers", ()))
                if not any(name.lower() == b"x-request-id" for name, _ in raw):
                    raw.append((b"x-request-id", rid.encode("latin-1")))
                    message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if self.enabled:
                self._log(scope, state, status, started, rid)

    def _log(self, scope: Scope, state: dict[str, Any], status: int, started: float,
             rid: str) -> None:
        if not self.logger.isEnabledFor(logging.INFO):
            return
        principal = state.get("principal")
        client = scope.get("client")
        line = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "principal": getattr(principal, "actor", "anonymous"),
            "method": scope.get("method"),
            "route": _route_template(scope),
            "status": status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            "correlation_id": rid,
            "client": client[0] if client else None,
        }
        self.logger.info(json.dumps(line, separators=(",", ":")))


def configure_access_log(stream: Any = None) -> None:
    """Send ``doorstep.access`` lines, bare, to ``stream`` (stdout by default)."""
    if any(getattr(h, "_doorstep_access", False) for h in ACCESS_LOG.handlers):
        return
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(logging.Formatter("%(message)s"))
    handler._doorstep_access = True  # type: ignore[attr-defined]
    ACCESS_LOG.addHandler(handler)
    ACCESS_LOG.setLevel(logging.INFO)
    ACCESS_LOG.propagate = False
