"""A small, fast HTTP/1.1 load generator: raw asyncio streams, keep-alive, N connections.

Why not httpx: on a 2-core machine the client shares the CPU with the server, and httpx's
per-request cost would make the client the bottleneck.  Requests are encoded to bytes before
the clock starts; each connection sends one request, reads one response (``Content-Length``
or chunked), and takes the next request from a shared cursor until all are sent::

    requests = [encode_post("127.0.0.1", port, "/v1/orders", body, {"Idempotency-Key": k})]
    result = run_load("127.0.0.1", port, requests, connections=32)

A request that fails at the transport level is recorded with status 0 and its connection is
reopened; it is not retried (the caller decides what an unacknowledged request means).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

__all__ = ["LoadResult", "encode_post", "percentile", "run_load"]


def encode_post(host: str, port: int, path: str, body: bytes,
                headers: Mapping[str, str] | None = None) -> bytes:
    """One complete ``POST`` request with a JSON body, ready to write to a socket."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}",
             "Content-Type: application/json", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class LoadResult:
    """Per request (same order as sent): status (0 = transport error), body, latency."""

    statuses: list[int]
    bodies: list[bytes]
    latencies_s: list[float]
    elapsed_s: float
    errors: list[str] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return len(self.statuses) / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def count(self, status: int) -> int:
        return sum(1 for s in self.statuses if s == status)


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) by nearest rank; 0.0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """Status, body and whether the server will close the connection."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("server closed the connection")
    status = int(status_line.split(b" ", 2)[1])
    length: int | None = None
    chunked = close = False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.partition(b":")
        key = name.strip().lower()
        if key == b"content-length":
            length = int(value)
        elif key == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif key == b"connection" and b"close" in value.lower():
            close = True
    if chunked:
        parts = []
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            if size == 0:
                await reader.readline()
                break
            parts.append(await reader.readexactly(size))
            await reader.readline()
        return status, b"".join(parts), close
    if length is None:
        return status, await reader.read(), True
    return status, await reader.readexactly(length), close


async def _drive(host: str, port: int, requests: Sequence[bytes], connections: int,
                 timeout: float) -> LoadResult:
    n = len(requests)
    statuses = [0] * n
    bodies = [b""] * n
    latencies = [0.0] * n
    errors: list[str] = []
    cursor = iter(range(n))

    async def connection() -> None:
        reader: asyncio.StreamReader | None = None
        writer: asyncio.StreamWriter | None = None
        for i in cursor:
            began = time.perf_counter()
            try:
                if writer is None or reader is None:
                    reader, writer = await asyncio.open_connection(host, port)
                writer.write(requests[i])
                status, body, close = await asyncio.wait_for(_read_response(reader), timeout)
                statuses[i], bodies[i] = status, body
                if close:
                    writer.close()
                    reader = writer = None
            except (OSError, ConnectionError, TimeoutError,
                    asyncio.IncompleteReadError, ValueError) as exc:
                errors.append(f"request {i}: {type(exc).__name__}: {exc}")
                if writer is not None:
                    writer.close()
                reader = writer = None
            latencies[i] = time.perf_counter() - began
        if writer is not None:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(connection() for _ in range(connections)))
    elapsed = time.perf_counter() - began
    return LoadResult(statuses, bodies, latencies, elapsed, errors)


def run_load(host: str, port: int, requests: Sequence[bytes], *, connections: int = 32,
             timeout: float = 30.0) -> LoadResult:
    """Send every request over ``connections`` keep-alive connections; wait for all."""
    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop comes with uvicorn[standard]
        return asyncio.run(_drive(host, port, requests, connections, timeout))
    return uvloop.run(_drive(host, port, requests, connections, timeout))
