"""Working calendars, cut-offs and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.calendar import (
    CalendarRangeError,
    WorkCalendar,
    parse_weekdays,
    start_day,
)
from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.model import Calendars
from doorstep.services.promise_service import build_calendars, holiday_dates

BERLIN = ZoneInfo("Europe/Berlin")
CUTOFF = time(14, 0)


def test_order_after_cutoff_on_friday_before_whit_monday_starts_on_tuesday(
    calendars: Calendars,
) -> None:
    """Friday 6 June 2025 at 15:00 misses the cut-off; Sat, Sun and Whit Monday are closed."""
    friday = datetime(2025, 6, 6, 15, 0, tzinfo=BERLIN)
    assert start_day(calendars.warehouse, friday, CUTOFF) == date(2025, 6, 10)


def test_order_before_cutoff_on_friday_before_holiday_starts_the_same_day(
    calendars: Calendars,
) -> None:
    """Friday 6 June 2025 at 13:59 is still in time for that day's shipping."""
    friday = datetime(2025, 6, 6, 13, 59, tzinfo=BERLIN)
    assert start_day(calendars.warehouse, friday, CUTOFF) == date(2025, 6, 6)


def test_promise_after_friday_cutoff_before_holiday_is_after_the_long_weekend(
    small_fit: FitResult,
) -> None:
    """The promise for a late Friday order before Whit Monday lands after the holiday."""
    model = small_fit.model
    late = PromiseRequest(ordered_at=datetime(2025, 6, 6, 15, 0, tzinfo=BERLIN), carrier="dhl",
                          service="paket", dest_country="DE", dest_postcode="90402")
    early = PromiseRequest(ordered_at=datetime(2025, 6, 6, 9, 0, tzinfo=BERLIN), carrier="dhl",
                           service="paket", dest_country="DE", dest_postcode="90402")
    w_late = make_promise(model, late).window
    w_early = make_promise(model, early).window
    assert w_late.earliest_date >= date(2025, 6, 11)  # ships Tue 10 June at the earliest
    assert w_late.promised_date >= w_early.promised_date


def test_bavarian_warehouse_is_closed_on_corpus_christi_but_berlin_one_is_open() -> None:
    """Subdivision holidays from the ``holidays`` package reach the working calendar."""
    by = build_calendars(country="DE", subdiv="BY", first_year=2025, last_year=2025)
    be = build_calendars(country="DE", subdiv="BE", first_year=2025, last_year=2025)
    corpus_christi = date(2025, 6, 19)
    assert not by.warehouse.is_open(corpus_christi)
    assert be.warehouse.is_open(corpus_christi)


def test_dhl_delivers_on_saturday_and_other_carriers_do_not(calendars: Calendars) -> None:
    """Carrier calendars follow each carrier's delivery weekdays."""
    saturday = date(2025, 6, 14)
    assert calendars.carrier("dhl", "DE").is_open(saturday)
    assert not calendars.carrier("dpd", "DE").is_open(saturday)


def test_counting_and_adding_open_days_are_inverse(calendars: Calendars) -> None:
    """The n-th open day after a day is n open days after it."""
    cal = calendars.warehouse
    start = np.arange(date(2025, 1, 1).toordinal(), date(2025, 3, 1).toordinal())
    for n in (0, 1, 3, 7):
        later = cal.nth_open_after(start, np.full(len(start), n))
        assert np.all(cal.count_open_after(start, later) == n)


def test_asking_beyond_the_calendar_is_an_error_not_a_guess() -> None:
    """A date outside the covered years raises instead of ignoring holidays."""
    cal = WorkCalendar(name="x", weekdays=frozenset(range(5)), holidays=frozenset(),
                       first=date(2025, 1, 1), last=date(2025, 12, 31))
    with pytest.raises(CalendarRangeError, match="covers"):
        cal.is_open(date(2026, 1, 5))


def test_weekday_text_reads_ranges_and_lists() -> None:
    """``Mon-Sat`` and ``Mon,Wed`` both parse; nonsense is refused with the bad part named."""
    assert parse_weekdays("Mon-Sat") == frozenset(range(6))
    assert parse_weekdays("Mon, Wed") == frozenset({0, 2})
    with pytest.raises(ValueError, match="Funday"):
        parse_weekdays("Funday")


def test_unknown_holiday_country_is_reported() -> None:
    """A country the holidays package does not know is a named error."""
    with pytest.raises(ValueError, match="XX"):
        holiday_dates("XX", None, [2025])


def test_naive_datetime_never_reaches_the_engine() -> None:
    """A request without a time zone is refused."""
    with pytest.raises(ValueError, match="time zone"):
        PromiseRequest(ordered_at=datetime(2025, 1, 1), carrier="dhl", service="paket",
                       dest_country="DE")
    assert PromiseRequest(ordered_at=datetime(2025, 1, 1, tzinfo=UTC), carrier="dhl",
                          service="paket", dest_country="DE").items == 1
