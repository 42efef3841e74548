"""The queue model reads the planned capacity per day: staff, closures and holidays move
promises, and without a queue the plan changes nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.load import BacklogReading, CapacityPlan
from doorstep.domain.promise.model import PromiseModel
from doorstep.domain.staffing import Shift, StaffPlan, StationRates, capacity_plan

THURSDAY_AFTER_CUTOFF = datetime(2024, 11, 7, 15, 30, tzinfo=UTC)  # 16:30 in Berlin
FRIDAY, SATURDAY = date(2024, 11, 8), date(2024, 11, 9)


def _request(at: datetime = THURSDAY_AFTER_CUTOFF) -> PromiseRequest:
    return PromiseRequest(ordered_at=at, carrier="dhl", service="paket", dest_country="DE",
                          dest_postcode="80331")


def _plan(model: PromiseModel, per_day: float, **days: float) -> CapacityPlan:
    """``per_day`` on every weekday for three weeks, overridden per named date."""
    out = {}
    for i in range(21):
        d = date(2024, 11, 4) + timedelta(days=i)
        out[d.toordinal()] = per_day if d.weekday() < 5 else 0.0
    for name, value in days.items():
        out[{"friday": FRIDAY, "saturday": SATURDAY}[name].toordinal()] = value
    return CapacityPlan(per_day=out, after=model.capacity)


def _promised(model: PromiseModel, backlog: int, plan: CapacityPlan | None) -> date:
    reading = BacklogReading(backlog=backlog, plan=plan)
    return make_promise(model, _request(), reading=reading).window.promised_date


def test_a_thursday_promise_for_a_friday_with_double_staff_is_shorter(small_fit: FitResult
                                                                      ) -> None:
    """A queue of 1.5 days: double staff on Friday clears it Friday, normal staff does not."""
    model = small_fit.model
    c = 200.0
    backlog = int(1.5 * c)
    double = _promised(model, backlog, _plan(model, c, friday=2 * c))
    normal = _promised(model, backlog, _plan(model, c))
    assert double < normal


def test_a_saturday_with_no_staff_gives_a_later_promise_than_a_staffed_one(small_fit: FitResult
                                                                           ) -> None:
    """Thursday's queue of 2.5 days: a staffed Saturday clears it before Monday; none
    leaves it to Tuesday."""
    model = small_fit.model
    c = 200.0
    backlog = int(2.5 * c)
    staffed = _promised(model, backlog, _plan(model, c, saturday=2 * c))
    none = _promised(model, backlog, _plan(model, c, saturday=0.0))
    assert staffed < none


def test_a_closed_friday_moves_the_promise_later(small_fit: FitResult) -> None:
    """A closure clears nothing: the same queue waits a day longer."""
    model = small_fit.model
    c = 200.0
    closed = _promised(model, int(0.8 * c), _plan(model, c, friday=0.0))
    normal = _promised(model, int(0.8 * c), _plan(model, c))
    assert closed > normal


def test_without_a_queue_the_plan_changes_nothing(small_fit: FitResult) -> None:
    """An empty warehouse with a plan promises what it promises without one."""
    model = small_fit.model
    for hour in (6, 10, 16, 22):
        at = datetime.combine(date(2024, 11, 5), time(hour), tzinfo=UTC)
        plain = make_promise(model, _request(at), reading=BacklogReading(backlog=0))
        planned = make_promise(model, _request(at),
                               reading=BacklogReading(backlog=0, plan=_plan(model, 500.0)))
        assert planned.window == plain.window
        assert not planned.under_load


def test_the_staffing_plan_turns_shifts_into_orders_per_day(small_fit: FitResult) -> None:
    """Two pickers and packers for 8 hours ship what the slower station finishes; holidays
    and closed dates ship nothing."""
    rates = StationRates(pick_s_per_line=30, pick_s_per_batch=0, pick_m_per_order=0,
                         lines_per_order=2, pack_s_per_order=90, handover_s_per_parcel=1)
    shift = Shift(days=frozenset(range(5)), start=time(6), end=time(14),
                  staff={"pick": 2, "pack": 2, "handover": 1})
    plan = capacity_plan(StaffPlan((shift,), closed=frozenset({FRIDAY})), rates,
                         date(2024, 11, 4), 7, holidays={date(2024, 11, 5)},
                         after=small_fit.model.capacity)
    monday = plan.per_day[date(2024, 11, 4).toordinal()]
    assert monday == 2 * 8 * 3600 / 90  # pack (90 s) is slower than pick (60 s)
    assert plan.per_day[date(2024, 11, 5).toordinal()] == 0.0  # holiday
    assert plan.per_day[FRIDAY.toordinal()] == 0.0  # closed
    assert plan.per_day[SATURDAY.toordinal()] == 0.0  # no shift
