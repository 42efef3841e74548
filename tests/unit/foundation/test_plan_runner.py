"""The pick planners' runner: a planner stops between tours when the client leaves or the
budget runs out, so a request nobody waits for frees the CPU."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from fastapi import HTTPException

from doorstep.entrypoints.api.plan_runner import Budget, PlanningStopped, run_planner


class GoneClient:
    """Stands in for a Request whose client disconnects after ``after`` polls."""

    def __init__(self, after: int) -> None:
        self.after = after
        self.polls = 0

    async def is_disconnected(self) -> bool:
        self.polls += 1
        return self.polls > self.after


def endless(stopped: threading.Event) -> Any:
    """A planner that would route tours for ever, checking its budget before each one."""

    def plan(budget: Budget) -> None:
        try:
            while True:
                budget.check()
        finally:
            stopped.set()

    return plan


def test_a_planner_stops_when_its_client_disconnects() -> None:
    """The thread ends at its next check; the answer names the disconnect."""
    stopped = threading.Event()
    with pytest.raises(HTTPException) as caught:
        asyncio.run(run_planner(GoneClient(after=1), endless(stopped), 3600))  # type: ignore[arg-type]
    assert stopped.is_set()
    assert caught.value.status_code == 422 and "client disconnected" in caught.value.detail


def test_a_planner_stops_at_its_deadline() -> None:
    """With the client still there, the budget ends the planning: 422 naming the budget."""
    stopped = threading.Event()
    with pytest.raises(HTTPException) as caught:
        asyncio.run(run_planner(GoneClient(after=10**9), endless(stopped), 0.05,  # type: ignore[arg-type]
                                size_hint="7 orders"))
    assert stopped.is_set()
    assert "time budget exceeded" in caught.value.detail and "7 orders" in caught.value.detail


def test_a_planner_that_finishes_returns_its_plan() -> None:
    """Within budget the planner's result comes back unchanged."""
    result = asyncio.run(run_planner(GoneClient(after=10**9), lambda b: (b.check(), 42)[1],  # type: ignore[arg-type]
                                     10))
    assert result == 42


def test_a_cancelled_budget_raises_on_the_next_check() -> None:
    budget = Budget(60)
    budget.check()
    budget.cancel()
    with pytest.raises(PlanningStopped, match="client disconnected"):
        budget.check()
