"""Online correction of promises: adaptive conformal inference on outcomes as they come in.

The fitted model's calibration map is learned on held-out weeks at refit time, and recency
weighting in the next refit reacts to the same misses again.  Through a sudden slow-down
that is late (up to a month until the next refit) and then twice (both corrections stack
for weeks after it ended).  The online correction works between refits, every day:

* **Scores.**  For each carrier service (or for all orders), the promises the *model*
  made that came due in the last ``window_days`` days, scored by how many days after that
  promise the parcel came (≤ 0: kept).  A parcel still in flight past its promise — the
  early signal of a slow-down, days before the first slowed parcel arrives — is late by at
  least ``today − promise`` days; with ``in_flight_doubling`` it is scored as twice that
  (it is guessed to need as long again: the size of a slow-down is unknown until its first
  parcels arrive, and the guess is replaced by the truth as they do).
* **Shift.**  The promise is the model's promise plus the whole-day shift that keeps
  ``1 − alpha_t`` of those scores (the split-conformal rule; ``shift_days``).  It can be
  negative: after a slow-down, a refit that learned from it promises too long and the
  scores say so, so the promise comes back within the window, not a refit or two later.
* **Level.**  ``alpha_t`` follows adaptive conformal inference (Gibbs & Candès, 2021)::

      alpha_{t+1} = alpha_t + gamma · (alpha − err_t)

  with ``alpha = 1 − level`` and ``err_t`` 1 for a missed (corrected) promise: misses
  make the next shifts cover more of the scores, kept promises less, so in the long run
  the miss rate is ``alpha``.  ``alpha_t`` is clipped to ``[min_alpha, max_alpha]``.

An outcome is used only once it is known — at delivery, or when the promised day is over
without one — and the shift is computed from what was known at the start of the order's
day: nothing later than the promise is used (``replay`` is the backtest that shows it).
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
from doorstep.domain.promise.load import BacklogReading, reconstruct_backlog
from doorstep.domain.promise.model import Calendars, PromiseConfig, calibration_keys


@dataclass(frozen=True, kw_only=True)
class AciConfig:
    """Step size per outcome, bounds of the running miss-rate target, and the score window."""

    gamma: float = 0.005
    min_alpha: float = 0.005
    max_alpha: float = 0.25
    per_segment: bool = True  # one correction per carrier service, else one for all orders
    window_days: int = 4  # promises that came due in the last N days are the recent scores
    max_shift: int = 14  # the correction never moves a promise by more days than this
    in_flight_doubling: bool = True  # a parcel late by d days so far is scored as 2·d late

    def __post_init__(self) -> None:
        if self.gamma <= 0 or not 0.0 < self.min_alpha < self.max_alpha < 1.0:
            raise ValueError("aci: gamma > 0 and 0 < min_alpha < max_alpha < 1")
        if self.window_days < 1 or self.max_shift < 0:
            raise ValueError("aci: window_days >= 1 and max_shift >= 0")


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


def shift_days(scores: Sequence[float], level: float, max_shift: int) -> int:
    """Smallest whole-day shift that keeps ``level`` of the recent scores (conformal rule).

    A score is how many days after the model's own promise the parcel came (≤ 0: kept).
    With the ⌈(n+1)·level⌉-th smallest score the shift keeps at least ``level`` of them;
    it can be negative (the model's promises have been longer than needed), bounded by
    ``max_shift`` both ways.
    """
    if not scores:
        return 0
    v = np.sort(np.asarray(scores, dtype=np.float64))
    k = min(int(np.ceil((len(v) + 1) * level)) - 1, len(v) - 1)
    return int(min(max(np.ceil(v[max(k, 0)]), -max_shift), max_shift))


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

    The model is refitted every ``refit_every`` on what was known then; with ``online`` the
    level asked of it is corrected after every outcome known before the next order (see the
    module docstring).  Without it this is the plain engine, refitted on the same schedule.
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
    pending: list[tuple[datetime, int, str, bool]] = []  # (known at, seq, key, missed)
    due: dict[str, list[tuple[date, int]]] = {}  # key → (model's promise, test index)
    shifts: dict[str, int] = {}
    out: list[ReplayedPromise] = []
    next_fit = split
    model = None
    today: date | None = None
    for i, row in enumerate(test):
        while row.ordered_at >= next_fit:
            model = fit_model(truncate(rows, next_fit), calendars=calendars, config=cfg,
                              as_of=next_fit).model
            next_fit += refit_every
        assert model is not None
        order_day = row.ordered_at.astimezone(tz).date()
        promise = make_promise(model, request_from_row(row),
                               reading=BacklogReading(backlog=int(backlog[i])))
        base = promise.window.promised_date
        promised = base
        if levels is not None:
            assert online is not None
            while pending and pending[0][0] <= row.ordered_at:
                _, _, k, missed = heapq.heappop(pending)
                levels.observe(k, missed)
            if order_day != today:  # scores as known at the start of the day
                today = order_day
                shifts = {k: shift_days(_scores(test, items, today, online, tz),
                                        levels.current(k), online.max_shift)
                          for k, items in due.items()}
            key = levels.key(row.carrier, row.service)
            promised = base + timedelta(days=shifts.get(key, 0))
            due.setdefault(key, []).append((base, i))
            known = _known_at(row, promised, tz)
            heapq.heappush(pending, (known, i, key, not _kept_eventually(row, promised, tz)))
        out.append(ReplayedPromise(row=row, order_day=order_day, promised=promised,
                                   level=cfg.level, kept=_kept(row, promised, tz, last_known)))
        if progress is not None and i % 1000 == 0:
            progress(i)
    return out


def _scores(test: Sequence[HistoryRow], items: list[tuple[date, int]], today: date,
            cfg: AciConfig, tz: ZoneInfo) -> list[float]:
    """Days late against the model's own promise, for promises due in the last few days.

    Known at the start of ``today``: delivered before it — exact; still in flight — late
    by at least ``today − promise`` days (the early signal), scored ``2·(today − promise)``
    with ``in_flight_doubling`` (a parcel already d days late is guessed to need as long
    again: the true delay of a slow-down is unknown until its first parcels arrive).
    """
    first = today - timedelta(days=cfg.window_days)
    while items and items[0][0] < first - timedelta(days=cfg.max_shift):
        items.pop(0)  # old enough never to matter again
    start_of_today = datetime.combine(today, time(0), tz)
    out = []
    for base, i in items:
        if not first <= base < today:
            continue
        row = test[i]
        if row.delivered_at is not None and row.delivered_at < start_of_today:
            out.append(float((row.delivered_at.astimezone(tz).date() - base).days))
        else:
            late = float((today - base).days)
            out.append(2.0 * late if cfg.in_flight_doubling else late)
    return out


def _kept_eventually(row: HistoryRow, promised: date, tz: ZoneInfo) -> bool:
    return row.delivered_at is not None and row.delivered_at.astimezone(tz).date() <= promised


def _known_at(row: HistoryRow, promised: date, tz: ZoneInfo) -> datetime:
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
