"""The live transit shift: parcels in flight are censored observations, cohorts pool until
they disagree, and a slow-down's size is guessed only until its first parcels arrive."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.live import (
    Cohort,
    LiveConfig,
    TransitCorrection,
    cohorts_from_rows,
    estimate_shift,
    known_from,
    live_shifts,
    shift_pmf,
)

BERLIN = ZoneInfo("Europe/Berlin")
LANE = np.array([0.0, 0.8, 0.16, 0.04])  # four in five parcels arrive the next carrier day
CFG = LiveConfig()


def cohort(day: int, transit: list[int], in_flight: list[int] | None = None) -> Cohort:
    """A hand-over day's parcels: delivered after ``transit`` days, or in flight after
    ``in_flight`` fully elapsed carrier days."""
    in_flight = in_flight or []
    days = transit + in_flight
    cdf = np.ones((len(days), len(LANE) + CFG.max_shift + 1))
    cdf[:, : len(LANE)] = np.cumsum(LANE)
    return Cohort(handed_over=date(2024, 8, 1) + timedelta(days=day), cdf=cdf,
                  days=np.array(days, dtype=np.int64),
                  delivered=np.array([True] * len(transit) + [False] * len(in_flight)))


def normal(day: int, extra: int = 0, n: int = 50) -> Cohort:
    """Parcels delivered as the lane says (80 % / 16 % / 4 %), ``extra`` days later."""
    transit = [1] * int(n * 0.8) + [2] * int(n * 0.16) + [3] * (n - int(n * 0.8) - int(n * 0.16))
    return cohort(day, [t + extra for t in transit])


def test_parcels_delivered_on_their_usual_days_need_no_shift() -> None:
    est = estimate_shift([normal(d) for d in range(6)], CFG)
    assert (est.shift, est.identified, est.cohorts) == (0, True, 6)


def test_parcels_delivered_three_days_late_give_a_shift_of_three() -> None:
    assert estimate_shift([normal(0, extra=3), normal(1, extra=3)], CFG).shift == 3


def test_parcels_in_flight_past_their_usual_day_are_a_lower_bound_that_is_doubled() -> None:
    # One carrier day over and none arrived, when four in five normally would have: at
    # least one day late; how late is unknown, so the guess is twice that.
    est = estimate_shift([cohort(0, [], in_flight=[1] * 40)], CFG)
    assert (est.consistent, est.identified, est.shift) == (1, False, 2)


def test_parcels_in_flight_before_their_first_possible_day_say_nothing() -> None:
    # Handed over yesterday, no carrier day fully over: censored at 0, no evidence of delay.
    est = estimate_shift([cohort(0, [], in_flight=[0] * 40)], CFG)
    assert est.shift == 0


def test_a_censored_parcel_is_not_counted_as_delivered_on_its_censoring_day() -> None:
    # Had the in-flight parcels at day 3 been read as delivered at 3, the shift would be 2;
    # as "more than 3 days" they can only push it up.
    delivered = estimate_shift([cohort(0, [3] * 40)], CFG).shift
    censored = estimate_shift([cohort(0, [], in_flight=[3] * 40)], CFG)
    assert delivered == 2
    assert censored.consistent == 3 and censored.shift == 6


def test_the_newest_slowed_cohorts_are_not_outvoted_by_last_week_s_normal_ones() -> None:
    cohorts = [normal(d) for d in range(5)] + [cohort(5, [], in_flight=[2] * 50),
                                                cohort(6, [], in_flight=[1] * 50)]
    est = estimate_shift(cohorts, CFG)
    assert est.cohorts == 2  # the change between day 4 and day 5 ends the pool
    assert est.consistent == 2 and est.shift == 4


def test_the_shift_comes_back_as_soon_as_the_first_normal_cohort_arrives() -> None:
    cohorts = [normal(d, extra=3) for d in range(5)] + [normal(5)]
    assert estimate_shift(cohorts, CFG).shift == 0


def test_one_lost_parcel_does_not_move_a_normal_cohort() -> None:
    lost = cohort(0, [1] * 40 + [2] * 8 + [3] * 2, in_flight=[9])
    assert estimate_shift([lost], CFG).shift == 0


def test_no_parcels_no_shift() -> None:
    assert estimate_shift([], CFG).shift == 0


def test_a_later_lane_is_the_same_lane_days_later_and_never_an_earlier_one() -> None:
    assert shift_pmf(LANE, 2).tolist() == pytest.approx([0, 0, 0, 0.8, 0.16, 0.04])
    assert shift_pmf(LANE, 0) is LANE
    with pytest.raises(ValueError, match="never negative"):
        shift_pmf(LANE, -1)


def test_parcels_faster_than_the_lane_do_not_shorten_promises() -> None:
    # All next day although the lane says 80 %: no shift (the refit and the level learn it).
    assert estimate_shift([cohort(0, [1] * 50)], CFG).shift == 0


def _row(i: int, shipped: datetime, delivered: datetime | None) -> HistoryRow:
    return HistoryRow(order_id=f"o{i}", ordered_at=shipped - timedelta(hours=3),
                      shipped_at=shipped, delivered_at=delivered, carrier="dhl",
                      service="paket", dest_country="DE", dest_region="BY",
                      dest_postcode="90402", origin_country="DE", origin_region="")


def test_cohorts_count_carrier_days_and_read_deliveries_from_today_as_in_flight(
    small_fit: FitResult,
) -> None:
    friday = datetime(2024, 9, 6, 16, tzinfo=BERLIN)  # DHL delivers Mon–Sat
    today = date(2024, 9, 10)  # Tuesday: Saturday and Monday are fully over
    rows = [_row(0, friday, datetime(2024, 9, 9, 11, tzinfo=BERLIN)),  # Monday: 2 days
            _row(1, friday, None),  # in flight: more than 2 days
            _row(2, friday, datetime(2024, 9, 10, 9, tzinfo=BERLIN)),  # today: not yet known
            _row(3, friday - timedelta(days=8), None)]  # outside the week looked at
    (cohorts,) = cohorts_from_rows(small_fit.model, rows, today, CFG).values()
    (c,) = cohorts
    assert c.handed_over == date(2024, 9, 6)
    assert c.order_ids == ("o0", "o1", "o2")
    assert c.days.tolist() == [2, 2, 2]
    assert c.delivered.tolist() == [True, False, False]


def test_once_the_rounds_are_over_today_is_known_and_counted_as_a_day_in_flight(
    small_fit: FitResult,
) -> None:
    friday = datetime(2024, 9, 6, 16, tzinfo=BERLIN)
    today = date(2024, 9, 10)
    rounds_over = datetime(2024, 9, 10, 20, tzinfo=BERLIN)
    rows = [_row(0, friday, datetime(2024, 9, 9, 11, tzinfo=BERLIN)),  # Monday: 2 days
            _row(1, friday, None),  # still in flight tonight: more than 3 days
            _row(2, friday, datetime(2024, 9, 10, 9, tzinfo=BERLIN)),  # this morning: 3 days
            _row(3, friday, datetime(2024, 9, 10, 21, tzinfo=BERLIN))]  # after 20:00: unknown
    (cohorts,) = cohorts_from_rows(small_fit.model, rows, today, CFG,
                                   rounds_over=rounds_over).values()
    (c,) = cohorts
    assert c.days.tolist() == [2, 3, 3, 3]
    assert c.delivered.tolist() == [True, False, True, False]


def test_the_evening_knows_what_the_day_showed_and_the_morning_does_not(
    small_fit: FitResult,
) -> None:
    """Forty parcels handed over on Monday, none delivered on Tuesday when four in five
    normally are: Tuesday morning cannot tell, Tuesday evening can (a day-level estimate
    waited for Wednesday)."""
    monday = datetime(2024, 9, 9, 16, tzinfo=BERLIN)
    rows = [_row(i, monday, None) for i in range(40)]
    tuesday = date(2024, 9, 10)
    morning = live_shifts(small_fit.model, rows, tuesday, CFG)
    evening = live_shifts(small_fit.model, rows, tuesday, CFG,
                          rounds_over=datetime(2024, 9, 10, 20, tzinfo=BERLIN))
    assert all(e.shift == 0 for e in morning.values())
    assert [e.shift for e in evening.values()] and all(e.shift >= 1 for e in evening.values())
    assert known_from(datetime(2024, 9, 10, 19, 59, tzinfo=BERLIN), BERLIN, CFG) == (
        tuesday, None)
    assert known_from(datetime(2024, 9, 10, 22, tzinfo=BERLIN), BERLIN, CFG) == (
        tuesday, datetime(2024, 9, 10, 20, tzinfo=BERLIN))


def test_a_correction_moves_the_promise_by_its_shift_in_carrier_days(
    small_fit: FitResult,
) -> None:
    model = small_fit.model
    req = PromiseRequest(ordered_at=datetime(2024, 10, 29, 9, tzinfo=UTC), carrier="dhl",
                         service="paket", dest_country="DE", dest_postcode="90402")
    plain = make_promise(model, req)
    later = make_promise(model, req, correction=TransitCorrection(shifts={"dhl:paket": 3}))
    other = make_promise(model, req, correction=TransitCorrection(shifts={"dpd:classic": 3}))
    assert later.transit_shift == 3 and other.transit_shift == 0
    assert other.window == plain.window
    cal = model.calendars.carrier("dhl", "DE")
    moved = cal.nth_open_after(np.array([plain.window.promised_date.toordinal()]),
                               np.array([3]))[0]
    assert later.window.promised_date.toordinal() == moved
    assert later.window.level == plain.window.level  # the nominal level is what is promised


def test_a_higher_running_level_never_promises_earlier(small_fit: FitResult) -> None:
    req = PromiseRequest(ordered_at=datetime(2024, 10, 29, 9, tzinfo=UTC), carrier="dhl",
                         service="paket", dest_country="DE", dest_postcode="90402")
    low, high = (make_promise(small_fit.model, req,
                              correction=TransitCorrection(levels={"dhl:paket": lvl}))
                 for lvl in (0.8, 0.99))
    assert low.asked_level == 0.8
    assert low.window.promised_date <= high.window.promised_date
