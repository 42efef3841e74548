"""Carriers' seasonal slow-down, read off the same weeks one year earlier.

Recency weights let the transit model follow a slow-down once it has happened; they cannot
anticipate one.  Carriers' peak season (Black Friday to Christmas) comes every year, so at
fit time each of the next ``horizon_weeks`` weeks is compared with the same week 52 weeks
earlier: how many parcels took longer than their lane's usual (median) time then, against
the ``base_days`` before that date last year (the counterpart of the recent history the
transit model already reflects).  A significant excess ``ε`` (more than three standard
errors) is kept: in that week a share ``ε`` of parcels is expected to take one more carrier day,
``pmf' = (1 − ε)·pmf + ε·pmf shifted by a day``.  Weeks that were not slower last year add
nothing, so the promise never gets shorter through this.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

MAX_SHARE = 0.5


@dataclass(frozen=True)
class Slowdown:
    """Per coming week (its first day's ordinal): the share of parcels one day slower."""

    weeks: tuple[tuple[int, float], ...] = ()

    def share(self, day: int) -> float:
        for first, eps in self.weeks:
            if first <= day < first + 7:
                return eps
        return 0.0


NONE = Slowdown()


def slowed(pmf: FloatArray, share: float) -> FloatArray:
    """``pmf`` with ``share`` of its mass one day later."""
    if share <= 0.0:
        return pmf
    later = np.concatenate([[0.0], pmf])
    out: FloatArray = np.concatenate([pmf, [0.0]]) * (1.0 - share) + later * share
    return out


def slowed_by_day(pmf: FloatArray, shares: list[float]) -> FloatArray:
    """One row per hand-over day: ``pmf`` slowed by that day's share, rows equally long."""
    padded = np.append(pmf, 0.0)
    return np.array([slowed(pmf, share) if share > 0.0 else padded for share in shares])


def estimate_slowdown(
    ship_day: IntArray,
    late: BoolArray,
    as_of_day: int,
    *,
    on_usual_day: float | None = None,
    horizon_weeks: int = 13,
    base_days: int = 28,
    z: float = 3.0,
) -> Slowdown:
    """``late[i]``: delivered parcel ``i`` took longer than its lane's usual time.

    ``ship_day`` holds the handover days of delivered parcels only.  A day's delay turns a
    parcel late only if it would have arrived exactly on the usual day, so the excess late
    share is divided by ``on_usual_day`` (the mean probability of that day; default: all
    parcels not late in the base weeks).  ``z`` = 3 standard errors because 13 weeks are
    tested at once (two gave a made-up slow week in one fit of five on data without one).
    """
    last_year = as_of_day - 364
    base = (ship_day >= last_year - base_days) & (ship_day < last_year)
    n_base = int(base.sum())
    if n_base == 0:
        return NONE
    p_base = float(late[base].mean())
    weeks = []
    for j in range(horizon_weeks):
        lo = last_year + 7 * j
        inside = (ship_day >= lo) & (ship_day < lo + 7)
        n = int(inside.sum())
        if n == 0:
            continue
        p = float(late[inside].mean())
        pooled = (p * n + p_base * n_base) / (n + n_base)
        se = math.sqrt(max(pooled * (1.0 - pooled), 1e-12) * (1.0 / n + 1.0 / n_base))
        usual = 1.0 - p_base if on_usual_day is None else on_usual_day
        if p - p_base > z * se and usual > 0.0:
            eps = min((p - p_base) / usual, MAX_SHARE)
            weeks.append((as_of_day + 7 * j, round(eps, 6)))
    return Slowdown(tuple(weeks))
