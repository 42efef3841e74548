"""The clock the services read: the wall clock, unless a caller runs them on another one.

Every service that stamps a time (timeline events, outbox messages, shipments, quarantine
records) asks :func:`utcnow`.  By default that is ``datetime.now(UTC)``; a simulation or a
test runs the *real* services on its own clock by wrapping the calls::

    clock = SimulatedClock(datetime(2026, 11, 27, 6, tzinfo=UTC))
    with use_clock(clock):
        accept_order(engine, order, key)      # accepted_at = 06:00 simulated
        clock.set(clock() + timedelta(minutes=20))
        release_wave(conn, site)              # the wave is released at 06:20

The clock lives in a context variable, so it applies to this thread (or task) only and
ends with the ``with`` block — a server answering requests meanwhile keeps wall time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime


def system_now() -> datetime:
    return datetime.now(UTC)


_current: ContextVar[Callable[[], datetime]] = ContextVar("doorstep_clock", default=system_now)


def utcnow() -> datetime:
    """The current time on the clock in use (timezone-aware, UTC)."""
    return _current.get()()


@contextmanager
def use_clock(clock: Callable[[], datetime]) -> Iterator[None]:
    """Run the enclosed calls on ``clock`` (any callable returning an aware datetime)."""
    token = _current.set(clock)
    try:
        yield
    finally:
        _current.reset(token)


class SimulatedClock:
    """A clock that stands still until it is set (the simulation moves it)."""

    def __init__(self, start: datetime) -> None:
        self.set(start)

    def set(self, at: datetime) -> None:
        if at.tzinfo is None:
            raise ValueError("a simulated clock needs a timezone-aware time")
        self._at = at.astimezone(UTC)

    def __call__(self) -> datetime:
        return self._at
