"""``serve --workers N``'s supervisor: replaces ended processes, without a crash loop."""

from __future__ import annotations

import socket
import sys
from typing import Any

import pytest

from doorstep.entrypoints.api import processes
from doorstep.entrypoints.api.processes import STARTUP_FAILURE, run_processes


def _fail_start(options: dict[str, Any]) -> None:
    """Runs in the spawned process: what uvicorn does when the app cannot start."""
    sys.exit(STARTUP_FAILURE)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_process_that_cannot_start_stops_the_whole_server() -> None:
    status = run_processes(2, {"host": "127.0.0.1", "port": _free_port()}, poll_s=0.05,
                           target=_fail_start)
    assert status == STARTUP_FAILURE


class _Recorded(processes._Slot):
    """A slot that records its starts instead of spawning an interpreter."""

    def start(self) -> None:
        self.starts = getattr(self, "starts", 0) + 1
        self.started = self.clock


def _slot() -> _Recorded:
    _Recorded.clock = 0.0
    return _Recorded(_fail_start, {})


def test_a_process_that_keeps_ending_at_once_waits_longer_each_time() -> None:
    slot = _slot()
    pauses = []
    for _ in range(8):
        slot.ended(slot.started + 1.0)  # ended one second after it started
        pauses.append(slot.restart_at - (slot.started + 1.0))
        _Recorded.clock = slot.restart_at
        slot.start()
    assert pauses == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]


def test_a_process_that_ran_a_while_is_replaced_at_once_and_forgives_earlier_crashes() -> None:
    slot = _slot()
    slot.ended(1.0)
    slot.ended(2.0)
    assert slot.quick_exits == 2
    _Recorded.clock = 100.0
    slot.start()
    slot.ended(100.0 + processes.QUICK_EXIT_S + 1)
    assert slot.quick_exits == 0
    assert slot.restart_at == pytest.approx(100.0 + processes.QUICK_EXIT_S + 1)
