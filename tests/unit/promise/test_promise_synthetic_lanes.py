"""The benchmark's generator delivers as fast as the published figures it cites."""

from __future__ import annotations

from collections import Counter
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.model import Calendars
from doorstep.domain.promise.synthetic import (
    DEST_COUNTRIES,
    SyntheticConfig,
    black_friday,
    realistic_history,
    transit_days,
)
from doorstep.services.promise_service import build_calendars

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture(scope="module")
def lane_calendars() -> Calendars:
    return build_calendars(country="DE", subdiv="BY", first_year=2023, last_year=2026,
                           dest_countries=DEST_COUNTRIES)


def _carrier_days(rows: list, calendars: Calendars) -> Counter[int]:  # type: ignore[type-arg]
    days: Counter[int] = Counter()
    for r in rows:
        if r.dest_country != "DE" or r.delivered_at is None or r.shipped_at is None:
            continue
        shipped = r.shipped_at.astimezone(BERLIN).date()
        bf = black_friday(shipped.year)
        if bf <= shipped <= date(shipped.year, 12, 31):
            continue  # the published figures are yearly averages outside the peak
        cal = calendars.carrier(r.carrier, "DE")
        delivered = r.delivered_at.astimezone(BERLIN).date()
        days[int(cal.count_open_after(np.array([shipped.toordinal()]),
                                      np.array([delivered.toordinal()]))[0])] += 1
    return days


def test_published_lanes_deliver_four_in_five_german_parcels_the_next_working_day(
    lane_calendars: Calendars,
) -> None:
    """Bundesnetzagentur 2021/22: 80 % on the first working day, 96.1 % by the second."""
    rows = realistic_history(SyntheticConfig(start=date(2024, 1, 1), days=240,
                                             orders_per_day=40.0, seed=4), lane_calendars)
    days = _carrier_days(rows, lane_calendars)
    total = sum(days.values())
    assert 0.77 <= days[1] / total <= 0.86
    assert 0.94 <= (days[1] + days[2]) / total <= 0.98


def test_pessimistic_lanes_reproduce_the_first_generator_s_slow_germany(
    lane_calendars: Calendars,
) -> None:
    """The first lane model: about 40 % next day, 88 % within two days (kept to compare)."""
    rows = realistic_history(SyntheticConfig(start=date(2024, 1, 1), days=240,
                                             orders_per_day=40.0, seed=4, lanes="pessimistic"),
                             lane_calendars)
    days = _carrier_days(rows, lane_calendars)
    total = sum(days.values())
    assert days[1] / total < 0.5
    assert (days[1] + days[2]) / total < 0.92


def test_a_carrier_that_is_late_more_often_moves_mass_past_the_usual_day() -> None:
    """Delay factor 1 draws the lane's own pmf; 2 doubles everything after the usual day."""
    pmf = (0.0, 0.8, 0.15, 0.05)
    u = np.random.default_rng(1).random(20_000)
    same = Counter(transit_days(pmf, 1.0, float(x)) for x in u)
    doubled = Counter(transit_days(pmf, 2.0, float(x)) for x in u)
    assert same[1] == 0
    assert same[2] / 20_000 == pytest.approx(0.8, abs=0.01)
    assert doubled[2] / 20_000 == pytest.approx(0.6, abs=0.01)
    assert doubled[4] / 20_000 == pytest.approx(0.10, abs=0.01)


def test_an_unknown_lane_model_is_refused_with_its_name() -> None:
    with pytest.raises(ValueError, match="lanes: 'fast'"):
        SyntheticConfig(lanes="fast")
