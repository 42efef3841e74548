"""A figure that is expensive to compute and changes slowly: computed once, then refreshed
in the background while readers keep getting the last value (stale-while-revalidate).

The cockpit's weekly statistics — promise health over 28 days, transit per lane over five
weeks, the carriers' usual scan times — scan a month of history.  Recomputing them inside a
request would make every ``max_age_s``-th refresh of the overview as slow as the scan; here
only the very first reader waits, later readers get a value at most ``max_age_s`` plus one
computation old, at most one refresh runs at a time, and the first value is computed once
however many readers ask for it together.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
log = logging.getLogger("doorstep.cockpit")


class Refreshing(Generic[T]):
    """``get()`` the value of ``compute``; recomputed in a thread once ``max_age_s`` old."""

    def __init__(self, compute: Callable[[], T], *, max_age_s: float, name: str) -> None:
        self._compute = compute
        self.max_age_s = max_age_s
        self.name = name
        self._lock = threading.Lock()
        self._first = threading.Lock()  # one first computation; its concurrent readers wait
        self._value: tuple[float, T] | None = None
        self._refreshing = False

    def get(self) -> T:
        with self._lock:
            current = self._value
            stale = current is None or time.monotonic() - current[0] >= self.max_age_s
            start = current is not None and stale and not self._refreshing
            if start:
                self._refreshing = True
        if current is None:
            return self._first_value()
        if start:
            threading.Thread(target=self._refresh, name=f"refresh-{self.name}",
                             daemon=True).start()
        return current[1]

    def _first_value(self) -> T:
        """The first value: computed by one reader while the others that came meanwhile
        wait for it (each computed it again before — at a million orders, seconds each)."""
        with self._first:
            with self._lock:
                current = self._value
            if current is not None:
                return current[1]
            return self._store(self._compute())

    def computed_at(self) -> float | None:
        """``time.monotonic()`` of the value readers get now (None before the first)."""
        with self._lock:
            return None if self._value is None else self._value[0]

    def _store(self, value: T) -> T:
        with self._lock:
            self._value = (time.monotonic(), value)
        return value

    def _refresh(self) -> None:
        try:
            self._store(self._compute())
        except Exception:  # keep serving the last value; the next reader tries again
            log.exception("refreshing %s failed", self.name)
        finally:
            with self._lock:
                self._refreshing = False
