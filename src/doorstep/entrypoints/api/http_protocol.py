"""uvicorn's httptools protocol with a bound on the request head, answering in problem+json.

httptools (uvicorn's fast parser) has no limit of its own: an 8 MB header was accepted and
buffered whole.  ``BoundedHttpToolsProtocol`` counts the bytes of the request line and
headers and answers ``431`` problem+json, closing the connection, once they pass
``config.h11_max_incomplete_event_size`` — the setting uvicorn's h11 protocol uses for the
same purpose, so one number (``settings.max_header_bytes``) bounds both parsers.  At most
one read (≤ 256 KiB) beyond the limit is ever buffered.  Malformed requests get a 400
problem+json instead of uvicorn's plain text.

The count is exact when the head ends inside a read; while the head is still arriving every
read counts in full (with pipelined requests a read may also carry the previous body's
tail, so the bound can trip up to one read early — browsers do not pipeline).
"""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol

from doorstep.entrypoints.api.problems import PROBLEM, problem_bytes

DEFAULT_MAX_HEAD = 65_536


class HeadTooLarge(Exception):
    """The request line and headers passed the bound (raised inside a parser callback)."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head = int(self.config.h11_max_incomplete_event_size or DEFAULT_MAX_HEAD)
        self._in_head = True
        self._head_bytes = 0
        self._head_too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head = True
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        size = len(self.url) + sum(len(k) + len(v) + 4 for k, v in self.headers)
        if size > self.max_head:
            self._head_too_large = True
            raise HeadTooLarge
        super().on_headers_complete()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self._in_head and not self.transport.is_closing():
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head:
                self._head_too_large = True
                self.send_400_response("head too large")

    def send_400_response(self, msg: str) -> None:
        if self._head_too_large:
            self._send_problem(431, f"request line and headers exceed {self.max_head} bytes")
        else:
            self._send_problem(400, "the request is not valid HTTP/1.1")

    def _send_problem(self, status: int, detail: str) -> None:
        body = problem_bytes(status, detail)
        head = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            head.extend([name, b": ", value, b"\r\n"])
        head.extend([b"content-type: ", PROBLEM.encode(), b"\r\n",
                     b"content-length: ", str(len(body)).encode(), b"\r\n",
                     b"connection: close\r\n\r\n", body])
        self.transport.write(b"".join(head))
        self.transport.close()


def http_options(max_header_bytes: int) -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.run`` that bound the request head either way."""
    try:
        import httptools  # noqa: F401  (uvicorn[standard] brings it)
    except ImportError:  # pragma: no cover - only without uvicorn's extras
        return {"http": "h11", "h11_max_incomplete_event_size": max_header_bytes}
    return {"http": BoundedHttpToolsProtocol, "h11_max_incomplete_event_size": max_header_bytes}
