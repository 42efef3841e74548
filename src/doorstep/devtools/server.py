"""Real ``doorstep serve`` and ``doorstep worker`` processes for tests and benchmarks.

They run as ``[sys.executable, "-m", "doorstep.entrypoints.cli", …]`` — the same command a
user types, in its own process — so a test can kill one with SIGKILL, restart it on the same
database and port, and see what a crash really does::

    upgrade_database(url)
    with ServerProcess(url, log_dir=tmp) as server:   # waits for /healthz
        httpx.post(server.base_url + "/v1/orders", …)
        server.kill()      # SIGKILL, no clean-up runs
        server.start()     # same port, same database

Output goes to a log file per process (a pipe nobody reads would block the server); when a
process does not come up, the error carries the end of that log.  Each runs in a process
group of its own, and signals go to the whole group: ``serve --workers N`` is a supervisor
with N children, and a SIGKILL must take all of them down, as a crash of the machine would.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self

import httpx

__all__ = [
    "ProcessFailed",
    "ServerProcess",
    "WorkerProcess",
    "cli_command",
    "free_port",
    "listening_sockets",
    "upgrade_database",
]


class ProcessFailed(RuntimeError):
    """A doorstep process exited or did not become ready; the message holds its log tail."""


def cli_command(*args: str) -> list[str]:
    """The ``doorstep`` command line run by this interpreter."""
    return [sys.executable, "-m", "doorstep.entrypoints.cli", *args]


def free_port() -> int:
    """A TCP port on the loopback interface that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def listening_sockets(port: int) -> int:
    """How many sockets listen on TCP ``port`` on this machine (Linux ``/proc/net``)."""
    count = 0
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            # local address "HEXADDR:HEXPORT", state 0A = LISTEN
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                count += 1
    return count


def _child_env(database_url: str, extra: dict[str, str] | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOORSTEP_")}
    # A doorstep.toml in the caller's folder must not leak into a test server.
    env["DOORSTEP_CONFIG"] = os.devnull
    env["DOORSTEP_DATABASE_URL"] = database_url
    env.setdefault("DOORSTEP_LOG_LEVEL", "warning")
    env.update(extra or {})
    return env


def upgrade_database(database_url: str, *, timeout: float = 120.0) -> None:
    """Run ``doorstep db upgrade`` on ``database_url`` as a user would."""
    done = subprocess.run(
        cli_command("db", "upgrade", "--db", database_url),
        env=_child_env(database_url, None), capture_output=True, text=True,
        timeout=timeout, check=False)
    if done.returncode != 0:
        raise ProcessFailed(f"doorstep db upgrade failed ({done.returncode}):\n"
                            f"{done.stdout}\n{done.stderr}")


class _Process:
    """A doorstep sub-command in its own process, its output in ``log_path``."""

    name = "process"

    def __init__(self, database_url: str, *, log_dir: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.database_url = database_url
        self.env = _child_env(database_url, env)
        folder = log_dir or Path(tempfile.mkdtemp(prefix="doorstep-proc-"))
        folder.mkdir(parents=True, exist_ok=True)
        self.log_path = folder / f"{self.name}-{id(self):x}.log"
        self._cwd = folder
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def command(self) -> list[str]:
        raise NotImplementedError

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise ProcessFailed(f"{self.name} is not running")
        return self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

    def start(self) -> Self:
        if self.running:
            raise ProcessFailed(f"{self.name} {self.pid} is already running")
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(self.command(), env=self.env, cwd=self._cwd,
                                      stdout=self._log, stderr=subprocess.STDOUT,
                                      start_new_session=True)
        return self

    def kill(self) -> int:
        """SIGKILL: the process gets no chance to clean up. Returns its exit status."""
        return self._end(signal.SIGKILL, 10.0)

    def stop(self, timeout: float = 15.0) -> int:
        """SIGTERM and wait (SIGKILL if it does not end in ``timeout``)."""
        return self._end(signal.SIGTERM, timeout)

    def _end(self, signum: int, timeout: float) -> int:
        proc, self._proc = self._proc, None
        code = 0
        if proc is not None:
            if proc.poll() is None:
                self._signal_group(proc, signum)
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(proc, signal.SIGKILL)
                code = proc.wait(timeout=10.0)
            self._signal_group(proc, signal.SIGKILL)  # children that outlived their parent
        if self._log is not None:
            self._log.close()
            self._log = None
        return code

    @staticmethod
    def _signal_group(proc: subprocess.Popen[bytes], signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):  # the group is gone
            os.killpg(proc.pid, signum)

    def _check_alive(self) -> None:
        if self._proc is not None and self._proc.poll() is not None:
            code = self._proc.returncode
            self._end(signal.SIGKILL, 1.0)
            raise ProcessFailed(f"{self.name} exited with {code}:\n{self.log_tail()}")

    def __enter__(self) -> Self:
        if not self.running:
            self.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()


class ServerProcess(_Process):
    """``doorstep serve`` on a loopback port; ``start`` returns once ``/healthz`` answers."""

    name = "server"

    def __init__(self, database_url: str, *, port: int | None = None,
                 embedded_worker: bool = True, bench_endpoints: bool = False,
                 processes: int = 1,
                 log_dir: Path | None = None, env: dict[str, str] | None = None,
                 extra_args: tuple[str, ...] = (), ready_timeout: float = 120.0,
                 rate_limits: bool = False) -> None:
        flags = {"DOORSTEP_BENCH_ENDPOINTS": "1" if bench_endpoints else "0",
                 "DOORSTEP_EMBEDDED_WORKER": "1" if embedded_worker else "0"}
        if not rate_limits:
            # Load and crash tests send thousands of requests a second from one address: the
            # limits are raised out of their way but stay switched on, so what the limiter
            # costs per request is in every figure (tests of the limits pass True).
            unreachable = "1000000/second"
            flags |= {"DOORSTEP_RATE_LIMIT_PER_KEY": unreachable,
                      "DOORSTEP_RATE_LIMIT_PER_ADDRESS": unreachable,
                      "DOORSTEP_RATE_LIMIT_FAILED_AUTH": unreachable}
        super().__init__(database_url, log_dir=log_dir, env={**flags, **(env or {})})
        self.port = port or free_port()
        self.embedded_worker = embedded_worker
        self.processes = processes
        self.extra_args = extra_args
        self.ready_timeout = ready_timeout
        self._api_key: str | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_key(self) -> str:
        """An admin API key in the server's database, created on first use."""
        if self._api_key is None:
            from doorstep.bootstrap import make_engine
            from doorstep.devtools.credentials import issue_key

            engine = make_engine(self.database_url, pool_size=1)
            try:
                self._api_key = issue_key(engine, name="e2e-admin")
            finally:
                engine.dispose()
        return self._api_key

    @property
    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}

    def client(self, **options: Any) -> httpx.Client:
        """An ``httpx.Client`` on this server that authenticates with ``api_key``."""
        headers = {**self.auth_headers, **options.pop("headers", {})}
        return httpx.Client(base_url=self.base_url, headers=headers, **options)

    def command(self) -> list[str]:
        # ``serve`` passes its --worker flag explicitly, so the setting alone is not enough.
        worker = "--worker" if self.embedded_worker else "--no-worker"
        workers = ("--workers", str(self.processes)) if self.processes != 1 else ()
        return cli_command("serve", "--db", self.database_url, "--host", "127.0.0.1",
                           "--port", str(self.port), worker, *workers, *self.extra_args)

    def start(self) -> Self:
        super().start()
        self.wait_ready()
        return self

    def wait_ready(self) -> None:
        """Until ``/healthz`` answers and, with several processes, every one of them listens
        (each binds its own socket once its app has started), so a benchmark never measures
        while a process is still starting."""
        deadline = time.monotonic() + self.ready_timeout
        with httpx.Client(timeout=2.0) as client:
            while time.monotonic() < deadline:
                self._check_alive()
                try:
                    if (client.get(self.base_url + "/healthz").status_code == 200
                            and (self.processes == 1
                                 or listening_sockets(self.port) >= self.processes)):
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        tail = self.log_tail()
        self.kill()
        raise ProcessFailed(f"server on port {self.port} not ready in "
                            f"{self.ready_timeout:.0f} s:\n{tail}")


class WorkerProcess(_Process):
    """``doorstep worker``: the outbox worker on its own.

    ``start`` returns once the worker has checked the schema and announced itself, so a test
    that waits for the queue to drain does not count the interpreter's start-up against it.
    """

    name = "worker"
    BANNER = "doorstep worker on"

    def __init__(self, database_url: str, *, batch_size: int | None = None,
                 log_dir: Path | None = None, env: dict[str, str] | None = None,
                 ready_timeout: float = 120.0) -> None:
        extra = dict(env or {})
        if batch_size is not None:
            extra["DOORSTEP_WORKER_BATCH_SIZE"] = str(batch_size)
        super().__init__(database_url, log_dir=log_dir, env=extra)
        self.ready_timeout = ready_timeout

    def command(self) -> list[str]:
        return cli_command("worker", "--db", self.database_url)

    def start(self) -> Self:
        super().start()
        deadline = time.monotonic() + self.ready_timeout
        while self.BANNER not in self.log_tail():
            self._check_alive()
            if time.monotonic() > deadline:
                tail = self.log_tail()
                self.kill()
                raise ProcessFailed(f"worker did not start in {self.ready_timeout:.0f} s:\n"
                                    f"{tail}")
            time.sleep(0.05)
        return self
