"""Weighted discrete Kaplan–Meier: day-count distributions that respect censoring.

A parcel shipped three days ago and not delivered yet tells us "transit > 2 days".  Dropping
it would bias every quantile towards fast parcels exactly when a slow-down starts, so each
censored row stays in the risk set up to its censoring time.  Weights carry recency (newer
history counts more).  Mass the data cannot place (survival left after the last observed
day) goes to one day past that day — a visible, conservative tail instead of a silent one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class DayDistribution:
    """Probability of each whole number of days, index 0 = same day."""

    pmf: tuple[float, ...]
    n: int
    effective_n: float

    def cdf(self) -> FloatArray:
        return np.cumsum(np.asarray(self.pmf, dtype=np.float64))

    def quantile(self, level: float) -> int:
        return int(np.searchsorted(self.cdf(), level - 1e-12, side="left"))


def kaplan_meier(
    times: IntArray, observed: npt.NDArray[np.bool_], weights: FloatArray
) -> DayDistribution:
    """Distribution of a day count from event rows (``observed``) and censored rows.

    A censored row with time ``c`` means "the event had not happened by day ``c``" (T > c).
    """
    times = np.asarray(times, dtype=np.int64)
    if len(times) == 0:
        raise ValueError("kaplan_meier: no observations")
    if np.any(times < 0):
        raise ValueError("kaplan_meier: negative day counts")
    observed = np.asarray(observed, dtype=bool)
    weights = np.asarray(weights, dtype=np.float64)
    size = int(times.max()) + 1
    events = np.bincount(times[observed], weights=weights[observed], minlength=size)
    censored = np.bincount(times[~observed], weights=weights[~observed], minlength=size)
    at_risk = np.cumsum((events + censored)[::-1])[::-1]
    hazard = np.divide(events, at_risk, out=np.zeros(size), where=at_risk > 0)
    survival = np.cumprod(1.0 - hazard)
    pmf = np.concatenate([[1.0], survival[:-1]]) - survival
    tail = float(survival[-1])
    if observed.any():
        last_event = int(times[observed].max())
        pmf = pmf[: last_event + 1]
        tail = 1.0 - float(pmf.sum())
    else:
        pmf = np.zeros(1)
        tail = 1.0
    if tail > 1e-9:
        pmf = np.concatenate([pmf, [tail]])
    pmf = np.clip(pmf, 0.0, None)
    pmf /= pmf.sum()
    total = float(weights.sum())
    ess = total * total / float(np.sum(weights * weights)) if total > 0 else 0.0
    return DayDistribution(tuple(float(p) for p in pmf), len(times), ess)


def recency_weights(age_days: FloatArray, half_life_days: float) -> FloatArray:
    """Exponential decay: a row ``half_life_days`` old counts half as much as today's."""
    if half_life_days <= 0:
        return np.ones_like(age_days, dtype=np.float64)
    return np.power(0.5, np.maximum(age_days, 0.0) / half_life_days)
