"""Shifts and staff changes: who is at which station when, and what a plan can ship."""

from __future__ import annotations

import re
from datetime import date, datetime, time

import pytest

from doorstep.domain.staffing import (
    Shift,
    StaffingError,
    StaffPlan,
    StationRates,
    parse_staff_changes,
)

NIGHT = Shift(days=frozenset({4}), start=time(22), end=time(6), staff={"pick": 3}, name="night")
DAY = Shift(days=frozenset(range(5)), start=time(6), end=time(14), staff={"pick": 2, "pack": 1})


def test_a_night_shift_runs_past_midnight_into_the_next_day() -> None:
    """Friday's night shift is on duty Friday 23:00 and Saturday 05:59, not Saturday 06:00."""
    plan = StaffPlan((NIGHT, DAY))
    assert plan.staff_at(datetime(2024, 11, 8, 23, 0), "pick") == 3  # Friday
    assert plan.staff_at(datetime(2024, 11, 9, 5, 59), "pick") == 3  # Saturday morning
    assert plan.staff_at(datetime(2024, 11, 9, 6, 0), "pick") == 0
    assert plan.staff_at(datetime(2024, 11, 7, 23, 0), "pick") == 0  # Thursday night
    assert NIGHT.hours == 8


def test_added_staff_join_every_shift_and_closed_days_have_none() -> None:
    plan = StaffPlan((DAY,), closed=frozenset({date(2024, 11, 6)})).with_added({"pick": 2})
    assert plan.staff_at(datetime(2024, 11, 5, 9), "pick") == 4
    assert plan.staff_at(datetime(2024, 11, 5, 15), "pick") == 0  # nobody to add to
    assert plan.staff_at(datetime(2024, 11, 6, 9), "pick") == 0  # closed
    assert plan.staff_hours(date(2024, 11, 5), "pick") == 4 * 8


def test_the_plans_capacity_is_its_slowest_station() -> None:
    rates = StationRates(pick_s_per_line=10, lines_per_order=1, pick_m_per_order=0,
                         pick_s_per_batch=0, pack_s_per_order=60, handover_s_per_parcel=1)
    plan = StaffPlan((Shift(days=frozenset({1}), start=time(6), end=time(14),
                            staff={"pick": 1, "pack": 1, "handover": 1}),))
    assert plan.orders_per_day(date(2024, 11, 5), rates) == 8 * 3600 / 60  # pack


@pytest.mark.parametrize(("text", "expected"), [
    ("pick=+2,pack=+1", {"pick": 2, "pack": 1}),
    ("pick=2, pick=-1", {"pick": 1}),
    ("", {}),
])
def test_staff_changes_are_read_from_the_command_line(text: str, expected: dict[str, int]
                                                      ) -> None:
    assert parse_staff_changes(text) == expected


@pytest.mark.parametrize(("text", "message"), [
    ("packing=+1", "station among release, pick, pack, handover"),
    ("pick=+two", "'+two' is not a whole number"),
    ("pick", "write station=+N"),
])
def test_a_bad_staff_change_says_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(StaffingError, match=re.escape(message)):
        parse_staff_changes(text)
