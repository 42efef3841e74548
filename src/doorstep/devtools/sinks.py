"""Real receivers on loopback for tests and benchmarks: an SMTP server and an HTTP server.

``SmtpSink`` is aiosmtpd's ``Controller`` (a real SMTP server in a thread; aiosmtpd is a
development dependency) keeping every message it accepted; ``HttpSink`` is the standard
library's ``ThreadingHTTPServer`` keeping every request and answering from a script
(``responses``: a function of the request) — a shop's webhook endpoint, Shopify's GraphQL
API or WooCommerce's REST API, as a test needs::

    with SmtpSink() as smtp, HttpSink() as http:
        ...  # doorstep sends to smtp.port / http.url
        smtp.messages      # list[email.message.EmailMessage]
        http.requests      # list[Received]
"""

from __future__ import annotations

import email
import email.policy
import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from doorstep.devtools.server import free_port


class SmtpSink:
    """A real SMTP server on 127.0.0.1 that keeps what it accepts."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.messages: list[EmailMessage] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    def start(self) -> Self:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any,
                                  envelope: Any) -> str:
                parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
                with sink._lock:
                    sink.messages.append(parsed)
                return "250 Message accepted for delivery"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def message_ids(self) -> list[str]:
        with self._lock:
            return [str(m["Message-ID"]) for m in self.messages]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


Responder = Callable[[Received], tuple[int, Any]]


def ok(_request: Received) -> tuple[int, Any]:
    return 200, {"ok": True}


class HttpSink:
    """A real HTTP server on 127.0.0.1 that records requests and answers via ``responder``."""

    def __init__(self, responder: Responder = ok) -> None:
        self.responder = responder
        self.requests: list[Received] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        assert self._server is not None, "HttpSink is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> Self:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                received = Received(self.command, self.path,
                                    {k.lower(): v for k, v in self.headers.items()},
                                    self.rfile.read(length))
                with sink._lock:
                    sink.requests.append(received)
                status, body = sink.responder(received)
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = _answer

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()
