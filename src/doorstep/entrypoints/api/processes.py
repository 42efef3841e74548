"""``serve --workers N``: N API processes on one port, each with a listening socket of its own.

Why not uvicorn's own ``workers``: uvicorn binds one socket in the supervisor and every
process accepts from it.  When a burst of connections arrives, the process that wakes first
accepts every one that is pending (its event loop accepts until the queue is empty), and a
keep-alive connection stays with the process that accepted it.  Measured with 32 connections
opened at once against two processes: 31/1, 24/8, 19/13, 17/15 — often one process
served nearly everything while the other idled, so a second process added little.  Here each
process binds its own socket with ``SO_REUSEPORT``; the kernel keeps an accept queue per
socket and spreads new connections over them by a hash of the addresses, whichever process
happens to be awake.

uvicorn's supervisor also pings every process and kills one that does not answer within
``timeout_worker_healthcheck`` (5 s) — including a process still importing its modules on
a busy machine, which was then started again and killed again: at load average 15 on two
cores ``serve --workers 2`` never came up.  This supervisor only replaces a process that has
ended; a process that fails during start-up (exit status 3, e.g. a bad setting) stops the
whole server instead of being restarted forever, and one that keeps ending soon after it
started (the database unreachable, say) is started again after a pause that doubles each
time, up to ``MAX_PAUSE_S``, so a crash loop does not spawn an interpreter twice a second.

The supervisor holds one more socket bound to the port (``SO_REUSEPORT``, not listening), so
``serve`` fails at once when another program has the port, and nobody else can take it while
a process is being replaced.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import threading
import time
from collections.abc import Callable
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

__all__ = ["STARTUP_FAILURE", "bind_shared", "run_processes"]

log = logging.getLogger("doorstep.serve")

STARTUP_FAILURE = 3  # uvicorn's exit status for a process that could not start serving
QUICK_EXIT_S = 10.0  # a process ending sooner than this after its start counts as a crash loop
MAX_PAUSE_S = 30.0
APP = "doorstep.entrypoints.api.app:app_from_environment"
_SPAWN = multiprocessing.get_context("spawn")  # a fresh interpreter: no state shared by fork


def bind_shared(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` that other ``SO_REUSEPORT`` sockets may share."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _serve_one(options: dict[str, Any]) -> None:
    """One API process: its own socket on the shared port, its app built from the
    environment ``serve`` prepared (own engine, pool and group-commit writer)."""
    import uvicorn

    config = uvicorn.Config(APP, factory=True, **options)
    try:
        sock = bind_shared(config.host, config.port)
    except OSError as exc:
        log.error("cannot listen on %s:%s: %s", config.host, config.port, exc)
        raise SystemExit(STARTUP_FAILURE) from exc
    uvicorn.Server(config).run(sockets=[sock])


Target = Callable[[dict[str, Any]], None]


class _Slot:
    """One API process and, for a crash loop, when the next may start."""

    def __init__(self, target: Target, options: dict[str, Any]) -> None:
        self.target, self.options = target, options
        self.process: BaseProcess | None = None
        self.started = 0.0
        self.quick_exits = 0
        self.restart_at = 0.0
        self.start()

    def start(self) -> None:
        self.process = _SPAWN.Process(target=self.target, args=(self.options,),
                                      name="doorstep-api")
        self.process.start()
        self.started = time.monotonic()

    def ended(self, now: float) -> None:
        """Schedule the next start: at once, or after a doubling pause in a crash loop."""
        if now - self.started < QUICK_EXIT_S:
            self.quick_exits += 1
            self.restart_at = now + min(MAX_PAUSE_S, 0.5 * 2 ** self.quick_exits)
        else:
            self.quick_exits = 0
            self.restart_at = now
        self.process = None


def run_processes(count: int, options: dict[str, Any], *, poll_s: float = 0.5,
                  target: Target = _serve_one) -> int:
    """Run ``count`` API processes with uvicorn ``options`` until SIGINT or SIGTERM.

    ``options`` are ``uvicorn.Config`` keyword arguments (host, port, protocol, …) and must
    be picklable; ``target`` is what each process runs (tests give their own).  Returns the
    exit status for ``serve``: 0 after a signal, 3 when a process failed during start-up.
    """
    holder = bind_shared(options["host"], options["port"])
    stop = threading.Event()
    status = 0

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    slots = [_Slot(target, options) for _ in range(count)]
    try:
        while not stop.wait(poll_s):
            now = time.monotonic()
            for slot in slots:
                process = slot.process
                if process is None:
                    if now >= slot.restart_at:
                        slot.start()
                    continue
                if process.is_alive():
                    continue
                if process.exitcode == STARTUP_FAILURE:
                    log.error("API process %s failed to start; stopping", process.pid)
                    status = STARTUP_FAILURE
                    stop.set()
                    break
                slot.ended(now)
                log.warning("API process %s ended (exit status %s); starting another in %.1f s",
                            process.pid, process.exitcode, slot.restart_at - now)
    finally:
        running = [slot.process for slot in slots if slot.process is not None]
        for process in running:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        deadline = time.monotonic() + 30
        for process in running:
            process.join(max(0.0, deadline - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join()
        holder.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    return status
