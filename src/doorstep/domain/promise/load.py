"""Load awareness: when the backlog exceeds a day's capacity, processing comes from the queue.

An order joins a first-in-first-out queue with ``B`` orders ahead of it.  If the warehouse
ships ``μ`` orders per working day with day-to-day standard deviation ``σ``, the order has
shipped within ``k`` working days after its start day once ``k + 1`` days of capacity cover
the ``B + 1`` orders::

    P(K <= k) = Φ( ((k + 1)·μ − (B + 1)) / (σ·√(k + 1)) )

The processing distribution used for a promise is the later of this queue distribution and
the normal (unloaded) one, i.e. its CDF is the pointwise minimum.  Both facts make the
promise monotone: more backlog gives a smaller CDF, hence never an earlier date, and the
window widens because the queue's spread grows with √k.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

MAX_QUEUE_DAYS = 60


@dataclass(frozen=True, kw_only=True)
class Capacity:
    """Warehouse throughput: orders shipped per working day, and its day-to-day spread."""

    per_day: float
    sd: float

    def __post_init__(self) -> None:
        if self.per_day <= 0 or self.sd < 0:
            raise ValueError("capacity: per_day must be > 0 and sd >= 0")


@dataclass(frozen=True, kw_only=True)
class CapacityPlan:
    """Planned throughput per calendar day, from the staffing plan (shifts, holidays,
    closures): ``per_day`` maps a day's ordinal to the orders its crew can ship (0 = shut).

    Days the plan does not cover (beyond its horizon) ship ``after.per_day`` on open
    warehouse days.  Each day's spread is ``sd_share`` of its planned figure, so a closed
    day adds neither capacity nor uncertainty.
    """

    per_day: Mapping[int, float]
    after: Capacity
    sd_share: float = 0.1

    def __post_init__(self) -> None:
        if any(v < 0 for v in self.per_day.values()) or self.sd_share < 0:
            raise ValueError("capacity plan: per_day and sd_share must be >= 0")

    def on(self, day: int, open_day: bool) -> float:
        planned = self.per_day.get(day)
        if planned is not None:
            return planned
        return self.after.per_day if open_day else 0.0


@dataclass(frozen=True, kw_only=True)
class BacklogReading:
    """What the warehouse looks like right now: orders waiting and, if known, throughput
    (one figure) or the plan (a figure per day; it takes precedence)."""

    backlog: int
    throughput: Capacity | None = None
    plan: CapacityPlan | None = None

    def __post_init__(self) -> None:
        if self.backlog < 0:
            raise ValueError("backlog: must be >= 0")


def under_load(backlog: int, capacity: Capacity) -> bool:
    """The queue no longer clears within the current working day."""
    return backlog + 1 > capacity.per_day


def queue_cdf(backlog: int, capacity: Capacity, size: int) -> FloatArray:
    """``P(K <= k)`` for ``k = 0 .. size-1`` working days after the start day."""
    k1 = np.arange(1, size + 1, dtype=np.float64)
    need = backlog + 1.0
    mean = k1 * capacity.per_day
    spread = np.maximum(capacity.sd * np.sqrt(k1), 1e-9)
    z = (mean - need) / spread
    return np.array([0.5 * (1.0 + math.erf(v / math.sqrt(2.0))) for v in z])


def queue_days_needed(backlog: int, capacity: Capacity) -> int:
    """Length of the CDF array needed so the queue part has (almost) all its mass."""
    days = math.ceil((backlog + 1) / capacity.per_day)
    extra = math.ceil(4 * capacity.sd * math.sqrt(days + 1) / capacity.per_day) + 2
    return min(days + extra, MAX_QUEUE_DAYS)


QUEUE_EPSILON = 1e-3


def queue_processing(
    base_cdf: FloatArray, backlog: int, capacity: Capacity
) -> tuple[FloatArray, bool]:
    """CDF of the processing days — the later of the normal one and the queue — and
    whether the queue changed it.

    A queue that moves no day's probability by ``QUEUE_EPSILON`` (0.1 %) or more leaves
    the normal distribution *exactly* as it is: far below what a whole-day promise can
    resolve, and it makes "the backlog matters" a clean, monotone switch (a longer queue
    only ever changes the CDF more).
    """
    base_cdf = np.asarray(base_cdf, dtype=np.float64)
    if (capacity.per_day - backlog - 1) > 8 * capacity.sd:
        return base_cdf, False  # queue clears today, surely
    size = max(len(base_cdf), queue_days_needed(backlog, capacity))
    base = np.ones(size)
    base[: len(base_cdf)] = base_cdf
    queue = queue_cdf(backlog, capacity, size)
    out = np.minimum(base, queue)
    out[-1] = 1.0  # whatever is left lands on the last day we model
    if float(np.max(base - out)) < QUEUE_EPSILON:
        return base_cdf, False
    return out, True


def planned_queue_processing(
    base_cdf: FloatArray,
    open_days: IntArray,
    backlog: int,
    plan: CapacityPlan,
) -> tuple[IntArray, FloatArray, bool]:
    """Ship-day distribution over *calendar* days when the capacity is planned day by day.

    ``open_days`` are the warehouse's open days from the start day on (``base_cdf[k]`` is
    the unloaded probability of shipping by ``open_days[k]``).  The queue's probability of
    shipping by the end of day ``d`` is ``Φ((C(d) − (B + 1)) / σ(d))`` with ``C`` the
    planned capacity from the start day through ``d`` and ``σ²`` the sum of the days'
    variances — a day with double staff moves twice the queue, a closed day none.
    Returns (day ordinals, CDF at each, whether the queue changed the distribution).
    """
    base_cdf = np.asarray(base_cdf, dtype=np.float64)
    start = int(open_days[0])
    horizon = max(int(open_days[min(len(base_cdf), len(open_days)) - 1]) - start + 1, 1)
    horizon = max(horizon, 7)
    limit = 4 * MAX_QUEUE_DAYS
    days: list[int] = []
    base: list[float] = []
    queue: list[float] = []
    is_open = set(np.asarray(open_days[:limit], dtype=np.int64).tolist())  # Python ints
    k = -1
    cum = var = 0.0
    need = backlog + 1.0
    d = start
    while True:
        if d in is_open:
            k += 1
        b = 0.0 if k < 0 else (float(base_cdf[k]) if k < len(base_cdf) else 1.0)
        cap = plan.on(d, d in is_open)
        cum += cap
        var += (plan.sd_share * cap) ** 2
        spread = max(math.sqrt(var), 1e-9)
        q = 0.5 * (1.0 + math.erf((cum - need) / spread / math.sqrt(2.0)))
        days.append(d)
        base.append(b)
        queue.append(q)
        d += 1
        done = b >= 1.0 - 1e-12 and q >= 1.0 - 1e-6
        if (done and d - start >= horizon) or d - start >= limit:
            break
    base_arr = np.array(base)
    out = np.minimum(base_arr, np.array(queue))
    out[-1] = 1.0
    day_arr = np.array(days, dtype=np.int64)
    if float(np.max(base_arr - out)) < QUEUE_EPSILON:
        base_arr[-1] = 1.0
        return day_arr, base_arr, False
    return day_arr, out, True


def loaded_cdf(base_cdf: FloatArray, backlog: int, capacity: Capacity) -> FloatArray:
    """CDF of the processing days: the later of the normal distribution and the queue."""
    return queue_processing(base_cdf, backlog, capacity)[0]


def reconstruct_backlog(
    at_s: FloatArray, ordered_s: FloatArray, shipped_s: FloatArray
) -> IntArray:
    """Orders placed strictly before each time ``at_s`` and not shipped by then.

    ``shipped_s`` holds the shipment times of the shipped orders only (unshipped orders stay
    in the backlog forever, which is what a live system would see too).
    """
    placed = np.searchsorted(np.sort(ordered_s), at_s, side="left")
    gone = np.searchsorted(np.sort(shipped_s), at_s, side="right")
    out: IntArray = np.maximum(placed - gone, 0).astype(np.int64)
    return out


def estimate_capacity(
    ship_days: IntArray,
    open_days: IntArray,
    left_over: IntArray | None = None,
    *,
    window: int = 120,
    saturated_window: int = 500,
) -> Capacity:
    """Throughput: what the warehouse ships on days it could not clear its queue.

    On quiet days shipments equal demand, not capacity.  A day is *saturated* when orders
    that were due that day were left over (``left_over`` per open day, aligned with
    ``open_days``) beyond half its shipments (and half a typical day's) *and* it
    shipped more than a typical day (a queue runs at its ceiling; random holds leave a
    fraction over on ordinary days); with at
    least five such days the median and the (MAD-based, robust) spread of their shipments
    estimate capacity.  Otherwise the busiest of the last ``window`` days stands in (a
    lower bound: no queue was ever seen).  ``PromiseConfig.load_aware=False`` switches the
    queue model off altogether.
    """
    if len(ship_days) == 0:
        raise ValueError("capacity: no shipped orders to learn throughput from")
    lo, hi = int(ship_days.min()), int(ship_days.max())
    inside = (open_days >= lo) & (open_days <= hi)
    days = open_days[inside]
    if len(days) == 0:
        raise ValueError("capacity: no open warehouse day with shipments")
    ordered = np.sort(ship_days)
    counts = np.searchsorted(ordered, days, side="right") - np.searchsorted(
        ordered, days, side="left"
    )
    if left_over is not None:
        recent = slice(-saturated_window, None)
        typical = float(np.median(counts))
        # A queue leaves half a day's shipments of due orders behind while shipping more
        # than a typical day; random holds leave a fraction over on ordinary days.
        left = (left_over[inside] > np.maximum(0.5 * counts, 0.5 * typical))[recent]
        busy_counts = counts[recent][left & (counts[recent] > typical)]
        if len(busy_counts) >= 5:
            per_day = max(float(np.median(busy_counts)), 1.0)
            mad = float(np.median(np.abs(busy_counts - per_day)))
            return Capacity(per_day=per_day, sd=max(1.4826 * mad, 0.03 * per_day))
    # No queue seen: the warehouse cleared every day, so capacity is at least the busiest
    # recent day; a queue beyond that is an unknown regime and gets a tight 5 % spread.
    per_day = max(float(np.max(counts[-window:])), 1.0)
    return Capacity(per_day=per_day, sd=0.05 * per_day)


UNLIMITED = Capacity(per_day=1e12, sd=0.0)
"""Capacity of a model fitted without load awareness: the queue never binds."""
