"""A slowly changing figure: computed once for all first readers, then refreshed behind them."""

from __future__ import annotations

import threading
import time

import pytest

from doorstep.services.refreshing import Refreshing


class _Slow:
    """A computation that counts its calls and waits until the test lets it finish."""

    def __init__(self) -> None:
        self.calls = 0
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self) -> int:
        self.calls += 1
        self.started.set()
        assert self.release.wait(10)
        return self.calls


def test_readers_arriving_together_share_one_first_computation() -> None:
    slow = _Slow()
    figure = Refreshing(slow, max_age_s=60, name="t")
    got: list[int] = []
    readers = [threading.Thread(target=lambda: got.append(figure.get())) for _ in range(4)]
    readers[0].start()
    assert slow.started.wait(10)
    for reader in readers[1:]:
        reader.start()
    time.sleep(0.05)  # let the others reach the first computation's lock (not a timing check)
    slow.release.set()
    for reader in readers:
        reader.join(10)
    assert got == [1, 1, 1, 1] and slow.calls == 1


def test_a_failed_first_computation_lets_the_next_reader_try() -> None:
    calls: list[int] = []

    def flaky() -> int:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database gone")
        return 7

    figure = Refreshing(flaky, max_age_s=60, name="t")
    with pytest.raises(RuntimeError):
        figure.get()
    assert figure.get() == 7 and len(calls) == 2


def test_a_stale_value_is_served_while_one_refresh_runs() -> None:
    slow = _Slow()
    slow.release.set()
    figure = Refreshing(slow, max_age_s=0, name="t")
    assert figure.get() == 1
    slow.release.clear()
    slow.started.clear()
    assert figure.get() == 1  # stale at once (max_age 0): served, a refresh starts behind it
    assert slow.started.wait(10)
    assert figure.get() == 1 and slow.calls == 2  # no second refresh while one runs
    slow.release.set()
    deadline = time.monotonic() + 30  # a bound for a starved machine, not a timing check
    while figure.get() == 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert figure.get() >= 2  # the refreshed value replaced the stale one
