"""The limits hold against a real ``doorstep serve``: huge bodies and headers never get in.

Raw sockets, because an HTTP client would refuse to send what an attacker sends: a
Content-Length of 200 MB (the server must answer 413 after reading almost nothing), a
chunked body that never ends, an 8 MB header (httptools alone buffers it whole), and a
start-up against a database that does not answer.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from doorstep.devtools.server import ServerProcess, cli_command, free_port

pytestmark = pytest.mark.slow

MB = 1024 * 1024


def _read_response(sock: socket.socket, timeout: float = 30.0) -> tuple[int, dict[str, str],
                                                                         bytes]:
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return int(lines[0].split()[1]), headers, body


def _send_until_answered(sock: socket.socket, head: bytes, filler: bytes,
                         limit: int) -> int:
    """Send ``head`` then ``filler`` repeatedly (up to ``limit`` bytes) until the server
    answers; returns how many filler bytes went out."""
    sock.sendall(head)
    sent = 0
    while sent < limit:
        readable, _, _ = select.select([sock], [], [], 0)
        if readable:
            break
        try:
            sock.sendall(filler)
        except (BrokenPipeError, ConnectionResetError):
            break
        sent += len(filler)
    return sent


def _problem(status: int, headers: dict[str, str], body: bytes, expected: int) -> dict[str, str]:
    assert status == expected, body[:300]
    assert headers["content-type"].startswith("application/problem+json")
    problem: dict[str, str] = json.loads(body)
    assert problem["status"] == expected
    return problem


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
           ) -> Iterator[ServerProcess]:
    """One server for the module: every case is refused before it touches the database (a
    copy of the session's migrated template, ``tests/conftest.py``)."""
    folder = tmp_path_factory.mktemp("hostile-http")
    shutil.copy(sqlite_template, folder / "hostile.db")
    url = f"sqlite:///{folder / 'hostile.db'}"
    with ServerProcess(url, log_dir=folder, embedded_worker=False) as running:
        yield running


def test_a_200_mb_body_is_refused_with_413_before_it_is_sent(server: ServerProcess) -> None:
    """Content-Length 200 MB on /cancel: 413 problem+json after the headers alone."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"POST /v1/orders/x/cancel HTTP/1.1\r\nHost: t\r\n"
                     b"Content-Type: application/json\r\n"
                     b"Content-Length: " + str(200 * MB).encode() + b"\r\n\r\n{")
        status, headers, body = _read_response(sock)
    assert "1048576" in _problem(status, headers, body, 413)["detail"]


def test_an_endless_chunked_body_is_cut_off_at_the_limit(server: ServerProcess) -> None:
    """A chunked body with no length: 413 once the count passes 1 MiB, long before 50 MB."""
    chunk = b"10000\r\n" + b"a" * 0x10000 + b"\r\n"
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sent = _send_until_answered(
            sock, b"POST /v1/orders/x/cancel HTTP/1.1\r\nHost: t\r\n"
                  b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
            chunk, 50 * MB)
        status, headers, body = _read_response(sock)
    _problem(status, headers, body, 413)
    assert sent < 50 * MB


def test_an_8_mb_header_is_refused_with_431(server: ServerProcess) -> None:
    """The parser stops buffering past 64 KiB of head and answers 431 problem+json."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sent = _send_until_answered(sock, b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Big: ",
                                    b"a" * 16384, 8 * MB)
        status, headers, body = _read_response(sock)
    _problem(status, headers, body, 431)
    assert sent < 8 * MB
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Small: " + b"a" * 8000 + b"\r\n\r\n")
        assert _read_response(sock)[0] == 200


def test_a_head_just_over_the_limit_sent_at_once_is_refused(server: ServerProcess) -> None:
    """70 KB of headers in one write (the parser sees the whole head): 431 as well."""
    headers = b"".join(b"X-H%d: " % n + b"a" * 1000 + b"\r\n" for n in range(70))
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: t\r\n" + headers + b"\r\n")
        status, headers_back, body = _read_response(sock)
    _problem(status, headers_back, body, 431)


def test_malformed_http_is_a_400_problem(server: ServerProcess) -> None:
    """Garbage instead of a request line gets problem+json, not uvicorn's plain text."""
    with socket.create_connection(("127.0.0.1", server.port)) as sock:
        sock.sendall(b"NOT HTTP AT ALL\r\n\r\n")
        status, headers, body = _read_response(sock)
    _problem(status, headers, body, 400)


def test_start_up_against_an_unreachable_database_is_one_line_without_the_password() -> None:
    """serve exits non-zero with one line naming the URL, the password masked."""
    url = f"postgresql://root:hunter2@127.0.0.1:{free_port()}/doorstep"
    result = subprocess.run(cli_command("serve", "--db", url), capture_output=True, text=True,
                            timeout=60, env={"DOORSTEP_CONFIG": "/dev/null", "PATH": "/usr/bin"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "root:***@127.0.0.1" in lines[0] and "hunter2" not in result.stderr
