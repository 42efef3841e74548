"""Carriers that were slower in these weeks last year make this year's promises later."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.engine import PromiseRequest, delivery_distribution, make_promise
from doorstep.domain.promise.fit import FitResult, fit_model
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.load import BacklogReading
from doorstep.domain.promise.model import Calendars, PromiseConfig, PromiseModel
from doorstep.domain.promise.season import NONE, Slowdown, estimate_slowdown, slowed
from doorstep.domain.promise.synthetic import stationary_history

BERLIN = ZoneInfo("Europe/Berlin")
AS_OF_DAY = date(2025, 11, 10).toordinal()


def test_a_week_with_more_late_parcels_last_year_gets_its_excess_share() -> None:
    """10 % late in the base weeks, 28 % in week 2 a year ago: 20 % of parcels a day later."""
    rng = np.random.default_rng(3)
    last_year = AS_OF_DAY - 364
    days = rng.integers(last_year - 28, last_year + 28, size=20_000)
    in_week_2 = (days >= last_year + 14) & (days < last_year + 21)
    late = rng.random(20_000) < np.where(in_week_2, 0.28, 0.10)
    found = estimate_slowdown(days, late, AS_OF_DAY)
    assert [first for first, _ in found.weeks] == [AS_OF_DAY + 14]
    assert found.share(AS_OF_DAY + 16) == pytest.approx(0.20, abs=0.03)
    assert found.share(AS_OF_DAY + 21) == 0.0


def test_noise_and_missing_history_add_nothing() -> None:
    """Weeks as late as the base weeks, or no history a year back, leave promises alone."""
    rng = np.random.default_rng(4)
    last_year = AS_OF_DAY - 364
    days = rng.integers(last_year - 28, last_year + 91, size=30_000)
    assert estimate_slowdown(days, rng.random(30_000) < 0.1, AS_OF_DAY) == NONE
    assert estimate_slowdown(days + 400, rng.random(30_000) < 0.1, AS_OF_DAY) == NONE


def test_slowing_moves_that_share_of_every_day_one_day_later() -> None:
    out = slowed(np.array([0.0, 0.8, 0.2]), 0.25)
    assert out.tolist() == pytest.approx([0.0, 0.6, 0.35, 0.05])
    assert slowed(np.array([0.5, 0.5]), 0.0).tolist() == [0.5, 0.5]


def _delay(rows: list[HistoryRow], first: date, last: date, share: float) -> list[HistoryRow]:
    """One more day for ``share`` of the parcels handed over from ``first`` to ``last``."""
    rng = np.random.default_rng(9)
    out = []
    for r in rows:
        assert r.shipped_at is not None and r.delivered_at is not None
        shipped = r.shipped_at.astimezone(BERLIN).date()
        if first <= shipped <= last and rng.random() < share:
            r = dataclasses.replace(r, delivered_at=r.delivered_at + timedelta(days=1))
        out.append(r)
    return out


def test_a_fit_expects_last_years_december_slow_down_and_never_promises_earlier(
    calendars: Calendars,
) -> None:
    """A year of history whose early-December parcels were often a day late: a fit in
    November expects the same weeks to be slow again (less likely delivered by a given day
    then, unchanged before) and never promises earlier than without that knowledge."""
    rows = stationary_history(calendars=calendars, start=date(2024, 9, 1), n_orders=30_000,
                              days=430, processing_pmf=[0.9, 0.1],
                              transit_pmf=[0.0, 0.85, 0.15], seed=8)
    rows = _delay(rows, date(2024, 12, 1), date(2024, 12, 21), 0.4)
    as_of = datetime(2025, 11, 16, tzinfo=BERLIN)
    config = PromiseConfig(half_life_days=0, load_aware=False)
    fitted = fit_model([r for r in rows if r.ordered_at < as_of], calendars=calendars,
                       config=config, as_of=as_of).model
    assert fitted.slowdown.share(date(2025, 12, 8).toordinal()) > 0.2
    assert fitted.slowdown.share(date(2025, 11, 17).toordinal()) == 0.0
    blind = dataclasses.replace(fitted, slowdown=NONE)

    def request(day: date) -> PromiseRequest:
        return PromiseRequest(ordered_at=datetime.combine(day, time(10), BERLIN), carrier="dhl",
                              service="paket", dest_country="DE", dest_region="BY",
                              dest_postcode="90402")

    def by_two_days(model: PromiseModel, day: date) -> float:
        dist, *_ = delivery_distribution(model, request(day), BacklogReading(backlog=0))
        return dist.prob_on_or_before(day + timedelta(days=2))

    december = [date(2025, 12, 1) + timedelta(days=i) for i in range(1, 19)]
    november = [date(2025, 11, 17) + timedelta(days=i) for i in range(7)]
    for day in december:
        assert by_two_days(fitted, day) <= by_two_days(blind, day)
        assert (make_promise(fitted, request(day)).window.promised_date
                >= make_promise(blind, request(day)).window.promised_date)
    assert sum(by_two_days(fitted, d) for d in december) < sum(
        by_two_days(blind, d) for d in december) - 1.0
    for day in november:
        assert by_two_days(fitted, day) == by_two_days(blind, day)


def test_the_slow_down_follows_the_handover_day_not_the_order_day(
    small_fit: FitResult,
) -> None:
    """A Friday order is mostly handed over on Friday, partly on Monday: a slow week that
    starts on Monday slows only the Monday parcels (Saturday deliveries unchanged), one that
    ends on Friday slows the Friday parcels."""
    friday = date(2024, 10, 11)
    monday = friday + timedelta(days=3)
    req = PromiseRequest(ordered_at=datetime.combine(friday, time(10), BERLIN), carrier="dhl",
                         service="paket", dest_country="DE", dest_postcode="80331")
    reading = BacklogReading(backlog=0)
    plain = dataclasses.replace(small_fit.model, slowdown=NONE)
    from_monday = dataclasses.replace(small_fit.model, slowdown=Slowdown(((monday.toordinal(),
                                                                           0.9),)))
    to_friday = dataclasses.replace(small_fit.model, slowdown=Slowdown((
        (friday.toordinal() - 6, 0.9),)))

    def cdf(model: PromiseModel, day: date) -> float:
        dist, *_ = delivery_distribution(model, req, reading)
        return dist.prob_on_or_before(day)

    ship_probability = 1.0 - small_fit.model.processing["all"].cdf()[0]
    assert ship_probability > 0  # some parcels of a Friday order leave on Monday
    assert cdf(from_monday, monday + timedelta(days=1)) < cdf(plain, monday + timedelta(days=1))
    assert cdf(from_monday, friday + timedelta(days=1)) == cdf(plain, friday + timedelta(days=1))
    assert cdf(to_friday, friday + timedelta(days=1)) < cdf(plain, friday + timedelta(days=1))
