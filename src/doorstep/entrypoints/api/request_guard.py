"""The door before the routes: header size, body size, content type and JSON shape.

A plain ASGI middleware, so a refused request costs almost nothing::

    headers larger than max_header_bytes          ─► 431
    Content-Length above the route's limit        ─► 413 at once; not one body byte is read
    body streamed (chunked) past the limit        ─► 413 as soon as the count passes it
    JSON route, body or Content-Type not JSON     ─► 415 (a cross-site <form> or text/plain
                                                     "simple request" cannot reach the API)
    JSON too deep, NaN/Infinity, lone surrogate   ─► 400 (see ``json_guard``)

Which rules apply is decided by the path (``policy_for``): ``/v1/webhooks/…`` and the
authenticated uploads in ``RAW_UPLOADS`` take raw bodies of any type up to
``max_webhook_body_bytes`` (shops and suppliers send JSON, XML, CSV, EDIFACT and forms);
corrections of quarantined payloads are JSON of the same size; every other ``/v1/…`` route
is JSON only, up to ``max_body_bytes``; everything else (health,
docs, the browser pages with their CSRF-protected forms) gets the size limit only.  A body
that passes is held in memory (it is at most the limit) and handed to the application
unchanged; after it, ``receive`` is the server's again, so disconnects are still seen.

The header check here is the second line: ``serve`` also bounds the header bytes the HTTP
parser buffers (``http_protocol``), which is what keeps an 8 MB header out of memory.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from doorstep.entrypoints.api.json_guard import json_problem
from doorstep.entrypoints.api.problems import PROBLEM, problem_bytes
from doorstep.settings import Settings

BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True, slots=True)
class BodyPolicy:
    max_bytes: int
    json_only: bool


#: Authenticated file uploads in their own formats (CSV, EDIFACT, XML): sized like webhooks.
RAW_UPLOADS = frozenset({"/v1/purchase-orders/import", "/v1/advices"})


def policy_for(path: str, settings: Settings) -> BodyPolicy:
    """The body rules of the route at ``path`` (see the module docstring)."""
    if path.startswith("/v1/webhooks/") or path in RAW_UPLOADS:
        return BodyPolicy(settings.max_webhook_body_bytes, json_only=False)
    if path.startswith("/v1/quarantine/"):  # a corrected payload is as large as a webhook
        return BodyPolicy(settings.max_webhook_body_bytes, json_only=True)
    if path.startswith("/v1/"):
        return BodyPolicy(settings.max_body_bytes, json_only=True)
    return BodyPolicy(settings.max_body_bytes, json_only=False)


def is_json(content_type: str) -> bool:
    """``application/json`` or any ``application/*+json``, parameters ignored."""
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (media.startswith("application/")
                                            and media.endswith("+json"))


class _TooLarge(Exception):
    """The body passed the route's limit while it was being received."""


class _Disconnected(Exception):
    """The client left before sending its whole body; there is nobody to answer."""


async def send_problem(send: Send, status: int, detail: str,
                       headers: list[tuple[bytes, bytes]] | None = None) -> None:
    """Answer with problem+json from plain ASGI (the routes' handlers are not reached)."""
    body = problem_bytes(status, detail)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM.encode()),
                            (b"content-length", str(len(body)).encode()),
                            *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


class RequestGuard:
    """ASGI middleware enforcing the limits in ``settings`` (see the module docstring)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        size = len(scope.get("raw_path") or b"") + len(scope.get("query_string") or b"")
        size += sum(len(k) + len(v) + 4 for k, v in headers)
        if size > self.settings.max_header_bytes:
            await send_problem(send, 431, f"request line and headers are {size} bytes; at "
                               f"most {self.settings.max_header_bytes} are accepted",
                               [(b"connection", b"close")])
            return
        policy = policy_for(scope["path"], self.settings)
        content_length = content_type = None
        chunked = False
        for name, value in headers:
            if name == b"content-length":
                content_length = value
            elif name == b"content-type":
                content_type = value.decode("latin-1")
            elif name == b"transfer-encoding":
                chunked = True
        declared = int(content_length) if content_length and content_length.isdigit() else 0
        if declared > policy.max_bytes:
            await self._too_large(send, policy, declared)
            return
        method = scope["method"]
        if method not in BODY_METHODS and not declared and not chunked:
            await self.app(scope, receive, send)
            return
        sends_body = bool(declared or chunked or content_type)
        if (policy.json_only and method in BODY_METHODS and sends_body
                and (content_type is None or not is_json(content_type))):
            await send_problem(send, 415, f"send the body as application/json (got "
                               f"{content_type or 'no Content-Type'})",
                               [(b"accept", b"application/json")])
            return
        try:
            body = await self._read(receive, policy.max_bytes)
        except _TooLarge:
            await self._too_large(send, policy, None)
            return
        except _Disconnected:
            return
        if body and content_type is not None and is_json(content_type):
            reason = json_problem(body, self.settings.max_json_depth)
            if reason is not None:
                await send_problem(send, 400, f"body: {reason}")
                return
        await self.app(scope, _replay(body, receive), send)

    @staticmethod
    async def _read(receive: Receive, limit: int) -> bytes:
        chunks: list[bytes] = []
        total = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                raise _Disconnected
            chunk = message.get("body", b"")
            total += len(chunk)
            if total > limit:
                raise _TooLarge
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    @staticmethod
    async def _too_large(send: Send, policy: BodyPolicy, declared: int | None) -> None:
        got = f"{declared} bytes" if declared is not None else "a larger body"
        await send_problem(send, 413, f"request body too large: {got}; at most "
                           f"{policy.max_bytes} bytes are accepted on this route",
                           [(b"connection", b"close")])



def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
