"""Online correction of promises: live transit shift plus an adaptive level, every day.

The fitted model's calibration map is learned on held-out weeks at refit time, and recency
weighting in the next refit reacts to the same misses again.  Through a sudden slow-down
that is late (up to a month until the next refit) and then twice (both corrections stack
for weeks after it ended).  The online correction works between refits, every day, with
two parts that answer different questions:

* **Where the lane is now** (``live``): a day shift of each carrier service's fitted
  lanes, estimated from the parcels handed over in the last week — delivered ones and
  those still in flight (right-censored).  It reacts one carrier day after the first
  slowed hand-overs, when they are not delivered on the days they normally are, and comes
  back one day after the first normal ones arrive.  It moves both ways: after a refit that
  learned a slow-down which has ended, it is negative.
* **How often promises hold** (the level): adaptive conformal inference (Gibbs & Candès,
  2021) on the served promises' outcomes::

      alpha_{t+1} = alpha_t + gamma · (alpha − err_t)

  with ``alpha = 1 − level`` and ``err_t`` 1 for a missed promise, clipped to
  ``[min_alpha, max_alpha]``; the model is asked for ``1 − alpha_t`` instead of ``level``.
  A miss is known as soon as the promised day is over without a delivery — a parcel still
  in flight past its promise counts right away.  Misses raise the level, kept promises
  lower it, so in the long run the miss rate is ``alpha``; it replaces no other
  correction but stacks on none either: it only sees what the shift left over.

An outcome is used only once it is known, and the shift is computed from what was known at
the start of the order's day: nothing later than the promise is used (``replay`` is the
backtest that shows it).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.promise.engine import make_promise
from doorstep.domain.promise.fit import fit_model, request_from_row, truncate
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.live import (
    LiveConfig,
    TransitCorrection,
    known_from,
    live_shifts,
)
from doorstep.domain.promise.load import BacklogReading, reconstruct_backlog
from doorstep.domain.promise.model import Calendars, PromiseConfig, calibration_keys


@dataclass(frozen=True, kw_only=True)
class AciConfig:
    """Step size per outcome, bounds of the running miss-rate target, the live shift's set-up."""

    gamma: float = 0.005
    min_alpha: float = 0.01
    max_alpha: float = 0.25
    per_segment: bool = True  # one level per carrier service, else one for all orders
    live: LiveConfig = field(default_factory=LiveConfig)
    shift: bool = True  # off: the adaptive level alone (for comparison)

    def __post_init__(self) -> None:
        if self.gamma <= 0 or not 0.0 < self.min_alpha < self.max_alpha < 1.0:
            raise ValueError("aci: gamma > 0 and 0 < min_alpha < max_alpha < 1")


def aci_update(alpha_t: float, missed: bool, *, target: float, gamma: float, lo: float,
               hi: float) -> float:
    """One step of adaptive conformal inference, clipped to ``[lo, hi]``."""
    return min(max(alpha_t + gamma * (target - float(missed)), lo), hi)


@dataclass
class OnlineLevel:
    """The running miss-rate target ``alpha_t`` per carrier service (or one for all)."""

    level: float
    config: AciConfig = field(default_factory=AciConfig)
    alpha: dict[str, float] = field(default_factory=dict)

    def key(self, carrier: str, service: str) -> str:
        return calibration_keys(carrier, service)[0] if self.config.per_segment else "all"

    def current(self, key: str) -> float:
        """``1 − alpha_t``: the share of recent scores the correction must cover."""
        return 1.0 - self.alpha.get(key, 1.0 - self.level)

    def observe(self, key: str, missed: bool) -> None:
        c = self.config
        target = 1.0 - self.level
        self.alpha[key] = aci_update(self.alpha.get(key, target), missed, target=target,
                                     gamma=c.gamma, lo=c.min_alpha, hi=c.max_alpha)


@dataclass(frozen=True, kw_only=True)
class ReplayedPromise:
    """One order of a replay: its day, the promise, and whether it was kept (None: unknown)."""

    row: HistoryRow
    order_day: date
    promised: date
    level: float
    kept: bool | None

    @property
    def promised_days(self) -> int:
        return (self.promised - self.order_day).days


def replay(
    rows: Sequence[HistoryRow],
    split: datetime,
    *,
    calendars: Calendars,
    config: PromiseConfig | None = None,
    refit_every: timedelta = timedelta(days=28),
    online: AciConfig | None = None,
    progress: Callable[[int], None] | None = None,
) -> list[ReplayedPromise]:
    """Promise every order from ``split`` on in time order, as a live shop would.

    The model is refitted every ``refit_every`` on what was known then; with ``online``
    every order's carrier service gets the live shift known at the start of its day and the
    level corrected after every outcome known before it (see the module docstring).
    Without it this is the plain engine, refitted on the same schedule.
    """
    cfg = config or PromiseConfig()
    tz = ZoneInfo(cfg.timezone)
    test = sorted((r for r in rows if r.ordered_at >= split), key=lambda r: r.ordered_at)
    if not test:
        raise ValueError(f"split {split.isoformat()}: no orders to replay")
    end = max(max(t for t in (r.ordered_at, r.shipped_at, r.delivered_at) if t is not None)
              for r in rows)
    last_known = end.astimezone(tz).date() - timedelta(days=1)
    epoch = datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC"))
    ordered_s = np.array([(r.ordered_at - epoch).total_seconds() for r in rows])
    shipped_s = np.array([(r.shipped_at - epoch).total_seconds() for r in rows
                          if r.shipped_at is not None])
    at_s = np.array([(r.ordered_at - epoch).total_seconds() for r in test])
    backlog = reconstruct_backlog(at_s, ordered_s, shipped_s)
    levels = OnlineLevel(cfg.level, online) if online is not None else None
    by_ship_day: dict[date, list[HistoryRow]] = {}
    for r in rows:
        if r.shipped_at is not None:
            by_ship_day.setdefault(r.shipped_at.astimezone(tz).date(), []).append(r)
    pending: list[tuple[datetime, int, str, bool]] = []  # (known at, seq, key, missed)
    shifts: dict[str, int] = {}
    out: list[ReplayedPromise] = []
    next_fit = split
    model = None
    today: tuple[date, datetime | None] | None = None
    for i, row in enumerate(test):
        refitted = False
        while row.ordered_at >= next_fit:
            model = fit_model(truncate(rows, next_fit), calendars=calendars, config=cfg,
                              as_of=next_fit).model
            next_fit += refit_every
            refitted = True
        assert model is not None
        order_day = row.ordered_at.astimezone(tz).date()
        correction = None
        if levels is not None:
            assert online is not None
            while pending and pending[0][0] <= row.ordered_at:
                _, _, k, missed = heapq.heappop(pending)
                levels.observe(k, missed)
            # known at the day's start, and again once its delivery rounds are over
            phase = known_from(row.ordered_at, tz, online.live)
            if online.shift and (phase != today or refitted):
                today = phase
                recent = [r for d in range(0, online.live.lookback_days + 1)
                          for r in by_ship_day.get(order_day - timedelta(days=d), ())]
                shifts = {k: e.shift for k, e in
                          live_shifts(model, recent, order_day, online.live,
                                      rounds_over=phase[1]).items()}
            correction = TransitCorrection(shifts=shifts, levels={
                k: levels.current(k) for k in levels.alpha})
        promise = make_promise(model, request_from_row(row),
                               reading=BacklogReading(backlog=int(backlog[i])),
                               correction=correction)
        promised = promise.window.promised_date
        if levels is not None:
            key = levels.key(row.carrier, row.service)
            heapq.heappush(pending, (known_at(row, promised, tz), i, key,
                                     not kept_eventually(row, promised, tz)))
        out.append(ReplayedPromise(row=row, order_day=order_day, promised=promised,
                                   level=cfg.level, kept=_kept(row, promised, tz, last_known)))
        if progress is not None and i % 1000 == 0:
            progress(i)
    return out


def kept_eventually(row: HistoryRow, promised: date, tz: ZoneInfo) -> bool:
    return row.delivered_at is not None and row.delivered_at.astimezone(tz).date() <= promised


def known_at(row: HistoryRow, promised: date, tz: ZoneInfo) -> datetime:
    """When the shop learns whether the promise held: at delivery, or once the promised day
    is over without one (the parcel is still in flight — or lost)."""
    day_after = datetime.combine(promised + timedelta(days=1), time(0), tz)
    if row.delivered_at is not None and row.delivered_at < day_after:
        return row.delivered_at
    return day_after


def _kept(row: HistoryRow, promised: date, tz: ZoneInfo, last_known: date) -> bool | None:
    """Scored like the backtest: late once the last known day reaches the promise."""
    if row.delivered_at is not None:
        return row.delivered_at.astimezone(tz).date() <= promised
    return False if last_known >= promised else None
