"""The in-process rate-limit storage counts like ``limits``' own, without timer threads."""

from __future__ import annotations

import threading
import time

from limits import parse_many
from limits.strategies import SlidingWindowCounterRateLimiter

from doorstep.entrypoints.api.rate_limits import SweepingMemoryStorage, limiter_storage


def test_memory_storage_is_the_sweeping_one() -> None:
    assert isinstance(limiter_storage("memory://"), SweepingMemoryStorage)


def test_hits_spread_over_several_expiry_passes_start_no_thread(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    started: list[threading.Thread] = []
    original = threading.Thread.start

    def counting(thread: threading.Thread) -> None:
        started.append(thread)
        original(thread)

    limiter = SlidingWindowCounterRateLimiter(SweepingMemoryStorage())
    (item,) = parse_many("1000/second")
    monkeypatch.setattr(threading.Thread, "start", counting)
    for _ in range(5):  # limits' own storage starts a 10 ms timer thread after each pass
        limiter.hit(item, "key:a")
        time.sleep(0.02)
    assert started == []


def test_the_limit_still_refuses_the_hit_past_it() -> None:
    limiter = SlidingWindowCounterRateLimiter(SweepingMemoryStorage())
    (item,) = parse_many("3/minute")
    assert [limiter.hit(item, "key:a") for _ in range(4)] == [True, True, True, False]
    assert limiter.hit(item, "key:b")  # another caller has its own count


def test_expired_counters_are_dropped_by_the_next_hit_after_the_sweep_interval() -> None:
    storage = SweepingMemoryStorage()
    limiter = SlidingWindowCounterRateLimiter(storage)
    (item,) = parse_many("3/minute")
    limiter.hit(item, "key:old")
    for key in storage.expirations:  # as if the window had long passed
        storage.expirations[key] = time.time() - 1
    storage._next_sweep = 0.0  # the interval is over
    limiter.hit(item, "key:new")
    assert not any("key:old" in key for key in storage.storage)
