"""Scoring promises against what happened, with censoring handled explicitly.

Per order we know the order day, the promise and either the delivery day or the last day
it was known *not* to be delivered.  Rules (documented in docs/promise.md):

* delivered: on time when ``actual <= promised``; days early/late are the difference.
* not delivered, last known day ``>= promised``: certainly late — counts in the on-time
  rate (as late) and in coverage when past ``latest``; its lateness is only a lower bound,
  so it stays out of the "days late" mean and the pinball loss.
* not delivered, last known day ``< promised``: outcome unknown — excluded and counted.

``mean_days_early`` averages over on-time orders, ``mean_days_late`` over late orders;
``mean_promised_days`` is calendar days from order day to promised day over all orders.
Pinball loss is on lead days at the promise level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, kw_only=True, slots=True)
class Outcome:
    segments: tuple[str, ...]
    order_day: int
    promised: int
    earliest: int
    latest: int
    actual: int | None  # delivery day ordinal
    last_known: int  # last day known not delivered (when actual is None)


@dataclass(frozen=True, kw_only=True)
class Metrics:
    n: int
    unknown: int
    on_time_rate: float
    mean_promised_days: float
    mean_days_early: float
    mean_days_late: float
    interval_coverage: float
    pinball_loss: float


def _mean(xs: list[float]) -> float:
    return float(np.mean(xs)) if xs else float("nan")


def summarize(outcomes: Sequence[Outcome], level: float) -> Metrics:
    on_time: list[float] = []
    covered: list[float] = []
    early: list[float] = []
    late: list[float] = []
    pinball: list[float] = []
    unknown = 0
    for o in outcomes:
        if o.actual is None:
            if o.last_known >= o.promised:
                on_time.append(0.0)
                if o.last_known >= o.latest:
                    covered.append(0.0)
            else:
                unknown += 1
            continue
        on_time.append(float(o.actual <= o.promised))
        covered.append(float(o.earliest <= o.actual <= o.latest))
        if o.actual <= o.promised:
            early.append(o.promised - o.actual)
        else:
            late.append(o.actual - o.promised)
        diff = (o.actual - o.order_day) - (o.promised - o.order_day)
        pinball.append(max(level * diff, (level - 1.0) * diff))
    return Metrics(
        n=len(outcomes),
        unknown=unknown,
        on_time_rate=_mean(on_time),
        mean_promised_days=_mean([o.promised - o.order_day for o in outcomes]),
        mean_days_early=_mean(early),
        mean_days_late=_mean(late),
        interval_coverage=_mean(covered),
        pinball_loss=_mean(pinball),
    )


def by_segment(outcomes: Sequence[Outcome], level: float) -> dict[str, Metrics]:
    """Metrics for ``all`` and for every segment label the outcomes carry."""
    groups: dict[str, list[Outcome]] = {"all": list(outcomes)}
    for o in outcomes:
        for s in o.segments:
            groups.setdefault(s, []).append(o)
    return {k: summarize(v, level) for k, v in groups.items()}
