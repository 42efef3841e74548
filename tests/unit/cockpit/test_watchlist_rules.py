"""Watchlist rules, one category at a time, against a lane's usual times (no database)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.domain.promise.calendar import WorkCalendar
from doorstep.domain.tracking_numbers import tracking_number_problem
from doorstep.domain.watchlist import Category, Parcel, Scan, Schedule, Usual, classify

BERLIN = ZoneInfo("Europe/Berlin")
WEEKDAYS = WorkCalendar(name="warehouse", weekdays=frozenset(range(5)), holidays=frozenset(),
                        first=date(2026, 1, 1), last=date(2027, 12, 31))
MON_SAT = WorkCalendar(name="dhl/DE", weekdays=frozenset(range(6)), holidays=frozenset(),
                       first=date(2026, 1, 1), last=date(2027, 12, 31))
SCHEDULE = Schedule(warehouse=WEEKDAYS, carrier_days=MON_SAT, tz=BERLIN, cutoff=time(14))
USUAL = Usual(processing_days=1, transit_days=2, first_scan_hours=20, scan_gap_hours=30)
GOOD = "00340434161094015902"
# Monday 30 November 2026, 10:00 in Berlin.
MONDAY = datetime(2026, 11, 30, 10, tzinfo=BERLIN)


def berlin(day: int, hour: int, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=BERLIN)


def shipped(*scans: Scan, number: str = GOOD, at: datetime = MONDAY,
            promised: date | None = None) -> Parcel:
    return Parcel(order_id="ord_1", carrier="dhl", accepted_at=at - timedelta(hours=20),
                  tracking_number=number, shipped_at=at, scans=scans,
                  promised_latest=promised, order_status="shipped")


def categories(parcel: Parcel, now: datetime, usual: Usual = USUAL) -> set[Category]:
    return {f.category for f in classify(parcel, usual, SCHEDULE, now)}


def test_a_parcel_moving_at_the_usual_pace_is_not_listed() -> None:
    parcel = shipped(Scan("picked_up", berlin(30, 18, 11)), Scan("in_transit", berlin(1, 4)))
    assert categories(parcel, berlin(1, 20)) == set()


def test_an_impossible_tracking_number_is_listed_at_once() -> None:
    """A DHL number of five letters can never be scanned: listed on the hand-over itself."""
    flags = classify(shipped(number="ABCDE"), USUAL, SCHEDULE, MONDAY + timedelta(minutes=1))
    assert [f.category for f in flags] == [Category.INVALID_TRACKING]
    assert flags[0].since == MONDAY and "match no dhl number format" in flags[0].why


def test_check_digits_catch_typos_in_ups_and_s10_numbers() -> None:
    assert tracking_number_problem("ups", "1Z999AA10123456784") is None
    assert "check digit" in (tracking_number_problem("ups", "1Z999AA10123456785") or "")
    assert tracking_number_problem("dhl", "RR123456785DE") is None
    assert "check digit" in (tracking_number_problem("dhl", "RR123456784DE") or "")
    assert tracking_number_problem("dpd", "05308801410058") is None
    assert tracking_number_problem("gls", "36301917596") is None


def test_an_order_not_handed_over_by_the_planned_cutoff_is_a_delayed_dispatch() -> None:
    """Accepted Monday 10:00, one usual processing day: due Tuesday at the 16:00 pick-up."""
    order = Parcel(order_id="ord_2", carrier="dhl", accepted_at=MONDAY, order_status="packed",
                   pickup=time(16))
    assert categories(order, berlin(1, 15)) == set()
    flags = classify(order, USUAL, SCHEDULE, berlin(1, 17))
    assert [f.category for f in flags] == [Category.DELAYED_DISPATCH]
    assert flags[0].due == berlin(1, 16) and flags[0].since == MONDAY


def test_a_slower_usual_processing_time_gives_more_slack() -> None:
    order = Parcel(order_id="ord_2", carrier="dhl", accepted_at=MONDAY, order_status="picking")
    slow = Usual(processing_days=3, transit_days=2, first_scan_hours=20, scan_gap_hours=30)
    assert categories(order, berlin(2, 17), slow) == set()
    assert categories(order, berlin(3, 17), slow) == {Category.DELAYED_DISPATCH}


def test_a_handed_over_parcel_without_a_carrier_scan_is_forgotten() -> None:
    """Label data (info_received) is not a scan; 20 usual hours have passed."""
    parcel = shipped(Scan("info_received", MONDAY))
    assert categories(parcel, MONDAY + timedelta(hours=19)) == set()
    assert categories(parcel, MONDAY + timedelta(hours=21)) == {Category.FORGOTTEN}


def test_a_failed_delivery_attempt_is_listed_until_a_later_scan() -> None:
    failed = Scan("delivery_attempt_failed", berlin(2, 11), "recipient_absent", "NA")
    assert Category.FAILED_ATTEMPT in categories(shipped(failed), berlin(2, 12))
    retried = shipped(failed, Scan("out_for_delivery", berlin(3, 8)))
    assert Category.FAILED_ATTEMPT not in categories(retried, berlin(3, 9))


def test_silence_longer_than_the_lanes_usual_gap_is_a_delay() -> None:
    parcel = shipped(Scan("in_transit", berlin(1, 6)))
    assert categories(parcel, berlin(2, 11)) == set()  # 29 h
    flags = classify(parcel, USUAL, SCHEDULE, berlin(2, 13))  # 31 h
    assert [f.category for f in flags] == [Category.DELAYED]
    assert flags[0].since == berlin(1, 6)


def test_waiting_at_a_pickup_point_is_not_a_delay() -> None:
    parcel = shipped(Scan("available_for_pickup", berlin(1, 9)), promised=date(2026, 12, 20))
    assert categories(parcel, berlin(4, 9)) == set()


def test_an_exception_is_listed_only_after_the_next_working_day() -> None:
    """Exception Friday: the next working day is Monday, so it joins on Tuesday."""
    friday = berlin(4, 9)
    parcel = shipped(Scan("exception", friday, "address", "AD"), promised=date(2026, 12, 20))
    slow_gaps = Usual(processing_days=1, transit_days=2, first_scan_hours=20,
                      scan_gap_hours=200)
    assert categories(parcel, berlin(7, 23), slow_gaps) == set()
    assert categories(parcel, berlin(8, 0, 12) + timedelta(minutes=1),
                      slow_gaps) == {Category.EXCEPTION}


def test_lead_time_is_exceeded_after_the_promised_day_ends() -> None:
    parcel = shipped(Scan("in_transit", berlin(1, 6)), promised=date(2026, 12, 2))
    patient = Usual(processing_days=1, transit_days=2, first_scan_hours=20, scan_gap_hours=500)
    assert categories(parcel, berlin(2, 23), patient) == set()
    flags = classify(parcel, patient, SCHEDULE, berlin(3, 1))
    assert [f.category for f in flags] == [Category.LEAD_TIME_EXCEEDED]
    assert "promised by Wed 02 Dec" in flags[0].why


def test_without_a_promise_the_lanes_usual_transit_sets_the_deadline() -> None:
    """Handed over Monday, two usual delivery days (Mon–Sat): deadline end of Wednesday."""
    parcel = shipped(Scan("in_transit", berlin(1, 6)))
    patient = Usual(processing_days=1, transit_days=2, first_scan_hours=20, scan_gap_hours=500)
    assert categories(parcel, berlin(2, 23), patient) == set()
    assert categories(parcel, berlin(3, 1), patient) == {Category.LEAD_TIME_EXCEEDED}


@pytest.mark.parametrize("final", ["delivered", "returned_to_sender"])
def test_a_parcel_at_its_end_is_never_listed(final: str) -> None:
    parcel = shipped(Scan("in_transit", berlin(1, 6)), Scan(final, berlin(9, 6)),
                     number="BAD")
    assert categories(parcel, datetime(2027, 1, 1, tzinfo=UTC)) == set()


def test_the_flag_key_names_category_order_and_parcel() -> None:
    flag = classify(shipped(number="BAD"), USUAL, SCHEDULE, MONDAY)[0]
    assert flag.key == "invalid_tracking~ord_1~BAD"


def test_a_parcel_labelled_but_not_handed_over_at_its_pickup_is_listed() -> None:
    """Labelled Monday 10:00; the 16:00 pick-up passes without a hand-over scan."""
    order = Parcel(order_id="ord_9", carrier="dhl", accepted_at=MONDAY - timedelta(hours=2),
                   order_status="packed", pickup=time(16), labelled_at=MONDAY,
                   tracking_number="00340123450000001235")
    assert Category.LABELLED_NOT_HANDED_OVER not in categories(order, berlin(30, 15, 11))
    flags = [f for f in classify(order, USUAL, SCHEDULE, berlin(30, 17, 11))
             if f.category is Category.LABELLED_NOT_HANDED_OVER]
    assert len(flags) == 1
    assert flags[0].due == berlin(30, 16, 11) and flags[0].since == MONDAY
    assert "not handed over at the dhl pick-up" in flags[0].why


def test_a_label_printed_after_the_pickup_waits_for_the_next_working_days() -> None:
    friday_evening = datetime(2026, 12, 4, 18, tzinfo=BERLIN)
    order = Parcel(order_id="ord_9", carrier="dhl", accepted_at=friday_evening,
                   order_status="packed", pickup=time(16), labelled_at=friday_evening)
    assert Category.LABELLED_NOT_HANDED_OVER not in categories(order, berlin(7, 15))
    assert Category.LABELLED_NOT_HANDED_OVER in categories(order, berlin(7, 17))
