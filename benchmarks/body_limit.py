"""Peak server memory for one 200 MB request body, with the body limit and without it.

Run:  .venv/bin/python benchmarks/body_limit.py [--mb 200]

Starts ``doorstep serve`` on SQLite twice in one run: once with the default limit
(``max_body_bytes`` 1 MiB) and once with the limit raised above the body (the behaviour
before the limit: the whole body is received, parsed and validated).  Each time a raw
socket sends ``POST /v1/orders/x/cancel`` with a ``{"reason": "xxx…"}`` body of ``--mb``
megabytes (as fast as the server reads it; sending stops when the server answers or closes),
then the server's peak resident memory (``VmHWM`` from ``/proc``) is read and compared with
its peak before the request.  The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import socket
import tempfile
import time
from pathlib import Path

from doorstep.devtools.server import ServerProcess, upgrade_database

MB = 1024 * 1024


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def send_body(port: int, size: int) -> tuple[int, float, int]:
    """(status, seconds, bytes sent) for one request with a ``size``-byte JSON body."""
    prefix, suffix = b'{"reason": "', b'"}'
    filler = b"x" * MB
    head = (b"POST /v1/orders/x/cancel HTTP/1.1\r\nHost: bench\r\n"
            b"Content-Type: application/json\r\nContent-Length: " + str(size).encode() +
            b"\r\n\r\n")
    started = time.perf_counter()
    sent = 0
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.settimeout(120)
        try:
            sock.sendall(head + prefix)
            sent = len(prefix)
            while sent + len(filler) <= size - len(suffix):
                sock.sendall(filler)
                sent += len(filler)
            rest = size - len(suffix) - sent
            sock.sendall(b"x" * rest + suffix)
            sent = size
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server answered and closed: it will not read the rest
        try:
            answer = sock.recv(65536)
        except (ConnectionResetError, TimeoutError):
            answer = b""
    elapsed = time.perf_counter() - started
    status = int(answer.split()[1]) if answer.startswith(b"HTTP/") else 0
    return status, elapsed, sent


def measure(url: str, folder: Path, size: int, limit: int | None) -> dict[str, float | int]:
    env = {"DOORSTEP_MAX_BODY_BYTES": str(limit)} if limit else {}
    with ServerProcess(url, log_dir=folder, embedded_worker=False, env=env) as server:
        before = peak_rss_mb(server.pid)
        status, seconds, sent = send_body(server.port, size)
        time.sleep(0.5)
        after = peak_rss_mb(server.pid)
    return {"status": status, "peak_before_mb": round(before, 1),
            "peak_after_mb": round(after, 1), "growth_mb": round(after - before, 1),
            "seconds": round(seconds, 2), "sent_mb": round(sent / MB, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="body size in MiB (default 200)")
    args = parser.parse_args()
    size = args.mb * MB
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.db'}"
        upgrade_database(url)
        limited = measure(url, folder, size, None)
        unlimited = measure(url, folder, size, size + MB)
    for name, row in (("limit 1 MiB (default)", limited), ("no limit (as before)", unlimited)):
        print(f"{name:24} status {row['status']}  peak RSS {row['peak_before_mb']} -> "
              f"{row['peak_after_mb']} MB (+{row['growth_mb']})  sent {row['sent_mb']} MB "
              f"in {row['seconds']} s")
    print(json.dumps({"body_mb": args.mb, "limited": limited, "unlimited": unlimited,
                      "growth_ratio": round(unlimited["growth_mb"] / max(limited["growth_mb"],
                                                                         0.1), 1)}))


if __name__ == "__main__":
    main()
