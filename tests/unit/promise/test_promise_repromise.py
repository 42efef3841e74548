"""Re-promise: events revise the window; the original and every revision stay on the timeline."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from doorstep.adapters.promise_store import revision_to_dict
from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.repromise import (
    EventKind,
    PromiseEvent,
    PromiseTimeline,
    open_timeline,
    revise,
)
from doorstep.domain.promise.season import Slowdown

BERLIN = ZoneInfo("Europe/Berlin")
ORDERED = datetime(2024, 10, 7, 9, 0, tzinfo=BERLIN)  # a Monday morning


def _timeline(fit: FitResult) -> PromiseTimeline:
    req = PromiseRequest(ordered_at=ORDERED, carrier="dhl", service="paket", dest_country="DE",
                         dest_postcode="80331")
    return open_timeline("P-1", make_promise(fit.model, req), ORDERED)


def test_late_handover_moves_the_promise_later_and_keeps_the_original(
    small_fit: FitResult,
) -> None:
    """A handover four days late revises the date; revision 0 is still the checkout promise."""
    tl = _timeline(small_fit)
    late = revise(small_fit.model, tl,
                  PromiseEvent(kind=EventKind.HANDOVER, at=ORDERED + timedelta(days=4)))
    assert late.original == tl.original
    assert [r.revision_no for r in late.revisions] == [0, 1]
    assert late.current.window.promised_date > tl.original.window.promised_date
    assert late.current.window.earliest_date > (ORDERED + timedelta(days=4)).date()
    assert late.current.cause == "handover"


def test_exception_delays_and_delivery_closes_the_timeline(small_fit: FitResult) -> None:
    """An address exception pushes the window out; a delivered scan fixes it to that day."""
    model = small_fit.model
    tl = revise(model, _timeline(small_fit),
                PromiseEvent(kind=EventKind.HANDOVER, at=ORDERED + timedelta(hours=7)))
    before = tl.current.window
    tl = revise(model, tl, PromiseEvent(kind=EventKind.EXCEPTION, reason="address",
                                        at=ORDERED + timedelta(days=1, hours=3)))
    assert tl.current.window.promised_date > before.promised_date
    assert tl.current.cause == "exception:address"
    delivered_at = ORDERED + timedelta(days=4, hours=5)
    tl = revise(model, tl, PromiseEvent(kind=EventKind.SCAN, status="delivered",
                                        at=delivered_at))
    w = tl.current.window
    assert tl.current.final
    assert w.earliest_date == w.promised_date == w.latest_date == date(2024, 10, 11)
    assert len(tl.revisions) == 4
    with pytest.raises(ValueError, match="already delivered"):
        revise(model, tl, PromiseEvent(kind=EventKind.SCAN, status="in_transit",
                                       at=delivered_at))


def test_in_transit_scan_never_promises_a_day_already_past(small_fit: FitResult) -> None:
    """Still travelling on day T means delivery is on T or later."""
    tl = revise(small_fit.model, _timeline(small_fit),
                PromiseEvent(kind=EventKind.SCAN, status="in_transit",
                             at=ORDERED + timedelta(days=6)))
    assert tl.current.window.earliest_date >= (ORDERED + timedelta(days=6)).date()


def test_revision_payload_carries_everything_the_timeline_shows(small_fit: FitResult) -> None:
    """The timeline payload has the id, number, cause, time and the window."""
    payload = revision_to_dict(_timeline(small_fit).original)
    assert payload["promise_id"] == "P-1" and payload["revision_no"] == 0
    assert payload["cause"] == "checkout"
    assert {"promised_date", "earliest_date", "latest_date", "level", "computed_at"} <= set(payload)


def test_a_handover_in_a_week_carriers_are_slow_moves_the_revision_later(
    small_fit: FitResult,
) -> None:
    """The seasonal slow-down applies by the actual handover day, after checkout too."""
    handover = PromiseEvent(kind=EventKind.HANDOVER, at=ORDERED + timedelta(hours=7))
    week = ORDERED.date().toordinal()
    slow = dataclasses.replace(small_fit.model, slowdown=Slowdown(((week, 0.5),)))
    normal = revise(small_fit.model, _timeline(small_fit), handover).current.window
    slower = revise(slow, _timeline(small_fit), handover).current.window
    assert slower.latest_date > normal.latest_date
    assert slower.promised_date >= normal.promised_date
