"""Calibration only learns from held-out weeks whose model had outcomes to learn from."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.calibration import PitSample, level_map
from doorstep.domain.promise.engine import make_promise
from doorstep.domain.promise.fit import fit_model, request_from_row
from doorstep.domain.promise.model import Calendars, PromiseConfig
from doorstep.domain.promise.synthetic import stationary_history

PROCESSING = [0.8, 0.15, 0.05]
TRANSIT = [0.0, 0.7, 0.2, 0.1]
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_first_anniversary_fit_ignores_last_years_window_that_began_with_the_history(
    calendars: Calendars,
) -> None:
    """A year after the history began, last year's season window starts on its second day.

    The model fitted "as of" that day knew one day of orders and no delivery; its errors
    once saturated the correction (95 % became the 99.9999999 % quantile: promises of
    17 days instead of 4).  Such a window is skipped; the recent weeks still calibrate, and
    the orders after the fit are on time as often as promised.
    """
    start = date(2024, 1, 1)
    rows = stationary_history(calendars=calendars, start=start, n_orders=24_000, days=400,
                              processing_pmf=PROCESSING, transit_pmf=TRANSIT, seed=5)
    as_of = datetime.combine(start + timedelta(days=365), datetime.min.time(), BERLIN)
    config = PromiseConfig(half_life_days=0, load_aware=False, min_calibration_n=40)
    known = [r for r in rows if r.ordered_at < as_of]
    fitted = fit_model(known, calendars=calendars, config=config, as_of=as_of)

    recent = fitted.report.calibration_window
    assert recent is not None
    in_recent = sum(1 for r in known if recent[0] <= r.ordered_at < recent[1])
    assert fitted.report.calibration[0].n == in_recent  # nothing from the first-day model
    assert fitted.model.calibration["all"].upper_level(0.95) < 0.99
    later = [r for r in rows if r.ordered_at >= as_of]
    on_time = [
        r.delivered_at is not None and r.delivered_at.astimezone(BERLIN).date()
        <= make_promise(fitted.model, request_from_row(r)).window.promised_date
        for r in later
    ]
    assert abs(float(np.mean(on_time)) - 0.95) <= 0.03
    assert fitted.model.fitted_at.astimezone(UTC) == as_of.astimezone(UTC)


def test_the_corrected_level_sits_midway_between_lumps_so_a_refit_cannot_flip_one() -> None:
    """Day counts make PIT values lumpy; the level keeps the same orders with room to spare.

    96 of 100 held-out orders must be kept at 95 %: the 80 at 0.5 and the 16 at 0.82.  The
    level 0.82 + ε would do in-sample, but after a refit the lump may sit at 0.8205 and all
    16 would turn late; halfway to the next lump (0.86) they stay kept.
    """
    samples = [PitSample(keys=("dhl:paket",), before=v, on_or_before=v + 0.05)
               for v in [0.5] * 80 + [0.82] * 16 + [0.9] * 4]
    upper = level_map(samples).upper_level(0.95)
    assert upper == pytest.approx(0.86, abs=1e-6)
    assert 0.8205 < upper < 0.9


def test_near_equal_values_are_one_lump_and_the_top_lump_gets_no_made_up_gap() -> None:
    """A lump split by rounding (0.82 and 0.82 + 1e-15) keeps its margin; above the highest
    lump there is no next value, so the level stays at it instead of jumping towards 1."""
    split = [PitSample(keys=("dhl:paket",), before=v, on_or_before=v + 0.05)
             for v in [0.5] * 80 + [0.82] * 15 + [0.82 + 1e-15] + [0.9] * 4]
    assert level_map(split).upper_level(0.95) == pytest.approx(0.86, abs=1e-6)
    first_day = [PitSample(keys=("dhl:paket",), before=0.0, on_or_before=0.7)] * 50
    assert level_map(first_day).upper_level(0.95) < 1e-5
