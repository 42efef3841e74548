"""Run a pick planner off the event loop, within a time budget, stopped when the client leaves.

Batching 1,000 orders took about 65 s of CPU and kept running after the caller had gone,
slowing order intake for everyone.  Here a planner runs in a worker thread and receives a
``Budget``; the planner calls ``budget.check()`` before each tour it routes (the unit of
work batching repeats thousands of times), which raises ``PlanningStopped`` once the
deadline has passed or the client has disconnected.  Meanwhile the request task polls for
a disconnect every ``POLL_S``.  A thread cannot be killed; a cooperative check between
tours is what actually frees the CPU.

    finished within budget        ─► the plan
    deadline passed               ─► 422 problem+json naming the budget (send fewer orders)
    client disconnected           ─► the thread stops at its next check; nobody is answered
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from fastapi import HTTPException, Request

T = TypeVar("T")
POLL_S = 0.2


class PlanningStopped(Exception):
    """The planner was stopped between two tours (deadline or disconnect)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Budget:
    """A deadline plus a cancel flag, checked by the planner between units of work."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self._cancelled = threading.Event()
        self.checks = 0

    def cancel(self) -> None:
        self._cancelled.set()

    def check(self) -> None:
        self.checks += 1
        if self._cancelled.is_set():
            raise PlanningStopped("client disconnected")
        if time.monotonic() > self.deadline:
            raise PlanningStopped("time budget exceeded")


async def run_planner(request: Request, plan: Callable[[Budget], T], seconds: float,
                      *, size_hint: str = "") -> T:
    """``plan(budget)`` in a worker thread; see the module docstring for the outcomes."""
    budget = Budget(seconds)
    future = asyncio.get_running_loop().run_in_executor(None, plan, budget)
    while True:
        done, _ = await asyncio.wait({future}, timeout=POLL_S)
        if done:
            break
        if await request.is_disconnected():
            budget.cancel()
    try:
        return future.result()
    except PlanningStopped as exc:
        more = f" ({size_hint})" if size_hint else ""
        raise HTTPException(422, f"planning stopped: {exc.reason} after the budget of "
                                 f"{seconds:g} s{more}; send a smaller request (fewer "
                                 "orders, stops or alternatives)"
                            ) from exc
