"""Hierarchical segments and throughput: thin lanes borrow from their area, holds are no queue."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.promise.fit import fit_model
from doorstep.domain.promise.model import Calendars, PromiseConfig
from doorstep.domain.promise.survival import DayDistribution
from doorstep.domain.promise.synthetic import stationary_history

FAST = [0.0, 0.8, 0.2]
SLOW = [0.0, 0.0, 0.2, 0.8]
HOLDS = [0.78, 0.12, 0.06, 0.04]


def _mean(dist: DayDistribution) -> float:
    return float(np.dot(np.arange(len(dist.pmf)), dist.pmf))


def test_a_thin_lane_lies_between_its_own_data_and_its_postcode_area(
    calendars: Calendars,
) -> None:
    """A lane with few orders is pulled towards the area all carriers feed, not replaced by it."""
    common = {"calendars": calendars, "start": date(2024, 1, 1), "days": 120,
              "processing_pmf": [1.0]}
    many = stationary_history(n_orders=3000, transit_pmf=FAST, seed=1, **common)
    few = stationary_history(n_orders=30, transit_pmf=SLOW, seed=2,
                             carrier=("ups", "standard"), **common)
    model = fit_model([*many, *few], calendars=calendars,
                      config=PromiseConfig(half_life_days=0, load_aware=False),
                      calibrate=False).model
    lane = model.transit["lane|ups:standard|DE-BY|DE-90"]
    area = model.transit["area|DE-BY|DE-90"]
    own = float(np.dot(np.arange(len(SLOW)), SLOW))  # 2.8 days
    assert _mean(area) < _mean(lane) < own


def test_random_holds_are_not_read_as_a_warehouse_queue(calendars: Calendars) -> None:
    """Orders held at random leave some over every day; capacity must not drop below demand."""
    rows = stationary_history(calendars=calendars, start=date(2024, 1, 1), n_orders=12_000,
                              days=180, processing_pmf=HOLDS, transit_pmf=FAST, seed=5)
    model = fit_model(rows, calendars=calendars, config=PromiseConfig(half_life_days=0),
                      calibrate=False).model
    berlin = ZoneInfo("Europe/Berlin")
    shipped = [r.shipped_at.astimezone(berlin).date() for r in rows if r.shipped_at]
    per_day = np.unique(np.array([d.toordinal() for d in shipped]), return_counts=True)[1]
    recent = per_day[-120:]
    assert model.capacity.per_day >= float(recent.max())
