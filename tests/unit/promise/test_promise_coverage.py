"""Calibration on known distributions: 10,000 fresh orders are on time as often as promised."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.engine import make_promise
from doorstep.domain.promise.fit import fit_model, request_from_row
from doorstep.domain.promise.model import Calendars, PromiseConfig
from doorstep.domain.promise.synthetic import stationary_history

PROCESSING = [0.78, 0.12, 0.06, 0.04]
TRANSIT = [0.0, 0.50, 0.25, 0.12, 0.07, 0.04, 0.02]
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("load_aware", [False, True])
@pytest.mark.parametrize("level", [0.8, 0.95])
def test_on_time_rate_and_window_coverage_are_within_two_points_of_the_level(
    calendars: Calendars, level: float, load_aware: bool
) -> None:
    """Fitted on 12,000 orders, promises and windows for 10,000 later ones hold at level ± 2.

    With load awareness on, the random processing delays must not be mistaken for a queue.
    """
    train = stationary_history(calendars=calendars, start=date(2024, 1, 1), n_orders=12_000,
                               days=180, processing_pmf=PROCESSING, transit_pmf=TRANSIT, seed=11)
    fresh = stationary_history(calendars=calendars, start=date(2024, 7, 1), n_orders=10_000,
                               days=150, processing_pmf=PROCESSING, transit_pmf=TRANSIT, seed=12)
    # Delays here are drawn independently of load: there is no queue to model, and the
    # capacity estimate must see none (else the queue model would make promises too late).
    config = PromiseConfig(level=level, half_life_days=0, load_aware=load_aware)
    model = fit_model(train, calendars=calendars, config=config).model
    on_time, inside = [], []
    for row in fresh:
        w = make_promise(model, request_from_row(row)).window
        assert row.delivered_at is not None
        actual = row.delivered_at.astimezone(BERLIN).date()
        on_time.append(actual <= w.promised_date)
        inside.append(w.earliest_date <= actual <= w.latest_date)
    assert abs(float(np.mean(on_time)) - level) <= 0.02
    assert abs(float(np.mean(inside)) - level) <= 0.02
