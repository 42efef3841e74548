"""The watchlist: which open parcels are in trouble, why, and since when.  Pure rules.

Each rule compares what happened to the parcel with the lane's *usual* times — learned by
the promise model and from doorstep's own scans, never fixed hours — so a slow lane does
not flood the list and a fast lane is not given days of slack::

    category             open parcel …                                 since (the fact)
    invalid_tracking     has a number its carrier could never issue     hand-over
    delayed_dispatch     not handed over by the planned day's cut-off   acceptance
    labelled_not_handed_over  labelled, but its carrier's pick-up passed     labelling
    forgotten            handed over, no carrier scan in the usual time  hand-over
    failed_attempt       latest scan is a failed delivery attempt       that scan
    delayed              carrier's last scan older than the usual gap   last scan
    exception            exception not resolved by the next working day the exception scan
    lead_time_exceeded   not delivered by the end of the promised day   promised deadline

"since" is the fact that started the trouble, not the moment a threshold passed, so a
"handled" mark stays attached to the same problem when the usual times are re-learned and
a *new* problem (a later scan, a later exception) shows again.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from doorstep.domain.lead_time_sla import Sla
from doorstep.domain.promise.calendar import WorkCalendar, start_day
from doorstep.domain.tracking_numbers import tracking_number_fault
from doorstep.domain.watchlist_texts import Why, english


class Category(StrEnum):
    INVALID_TRACKING = "invalid_tracking"
    DELAYED_DISPATCH = "delayed_dispatch"
    LABELLED_NOT_HANDED_OVER = "labelled_not_handed_over"
    FORGOTTEN = "forgotten"
    FAILED_ATTEMPT = "failed_attempt"
    DELAYED = "delayed"
    EXCEPTION = "exception"
    LEAD_TIME_EXCEEDED = "lead_time_exceeded"


FINAL_SCANS = frozenset({"delivered", "returned_to_sender", "cancelled"})
NOT_A_CARRIER_SCAN = frozenset({"info_received", "unknown"})
"""Statuses that do not show the carrier has the parcel (label data, unmapped codes)."""
WAITING_FOR_CUSTOMER = frozenset({"available_for_pickup"})
"""The parcel waits at a pick-up point: silence is expected, not a delay."""


@dataclass(frozen=True, kw_only=True)
class Usual:
    """A lane's usual times: the promise level's quantile of what was seen before."""

    processing_days: int
    """Warehouse working days from the day an order enters the queue to its hand-over."""
    transit_days: int
    """Carrier delivery days from the hand-over day to delivery."""
    first_scan_hours: float
    """Hand-over to the carrier's first scan."""
    scan_gap_hours: float
    """Longest usual silence between two carrier scans before delivery."""
    source: str = "default"
    """Where the figures come from: ``model``, ``history``, ``default`` (joined by ``+``)."""


@dataclass(frozen=True)
class Scan:
    status: str
    at: datetime
    exception_reason: str | None = None
    raw_code: str = ""


@dataclass(frozen=True, kw_only=True)
class Parcel:
    """One open order, or one parcel of it once handed over."""

    order_id: str
    carrier: str
    accepted_at: datetime
    tracking_number: str | None = None
    shipped_at: datetime | None = None
    scans: Sequence[Scan] = ()
    pickup: time = time(16, 0)
    """The carrier's pick-up cut-off at the warehouse."""
    labelled_at: datetime | None = None
    """When the parcel got its label (None while it has none)."""
    promised_latest: date | None = None
    """The current promise's latest date (None when the order has no promise)."""
    order_status: str = ""


@dataclass(frozen=True)
class Schedule:
    """Working days and the order cut-off in the warehouse's time zone; carrier delivery days."""

    warehouse: WorkCalendar
    carrier_days: WorkCalendar
    tz: ZoneInfo
    cutoff: time

    def at(self, day: date, moment: time) -> datetime:
        return datetime.combine(day, moment, tzinfo=self.tz)

    def end_of(self, day: date) -> datetime:
        return self.at(day + timedelta(days=1), time(0))

    def nth_working_day(self, calendar: WorkCalendar, day: date, n: int) -> date:
        found = day
        while n > 0:
            found += timedelta(days=1)
            if calendar.is_open(found):
                n -= 1
        return found

    def planned_handover(self, accepted_at: datetime, processing_days: int,
                         pickup: time) -> datetime:
        """The carrier's pick-up cut-off on the day the order should leave: the day it
        entered the queue (order cut-off) plus the usual processing days."""
        first = start_day(self.warehouse, accepted_at.astimezone(self.tz), self.cutoff)
        return self.at(self.nth_working_day(self.warehouse, first, processing_days), pickup)

    def next_pickup(self, moment: datetime, pickup: time) -> datetime:
        """The first carrier pick-up at or after ``moment`` on a warehouse working day."""
        day = moment.astimezone(self.tz).date()
        if not self.warehouse.is_open(day) or moment.astimezone(self.tz).time() > pickup:
            day = self.nth_working_day(self.warehouse, day, 1)
        return self.at(day, pickup)

    def end_of_next_working_day(self, moment: datetime) -> datetime:
        day = moment.astimezone(self.tz).date()
        return self.end_of(self.nth_working_day(self.warehouse, day, 1))

    def transit_deadline(self, shipped_at: datetime, transit_days: int) -> datetime:
        day = shipped_at.astimezone(self.tz).date()
        return self.end_of(self.nth_working_day(self.carrier_days, day, max(transit_days, 1)))


@dataclass(frozen=True, kw_only=True)
class Flag:
    """One row of the watchlist: what is wrong, since when, and why (a text id and facts,
    put into words in the reader's language by whoever shows it)."""

    category: Category
    order_id: str
    carrier: str
    tracking_number: str | None
    since: datetime
    due: datetime
    """When the usual time ran out (the moment the parcel joined the list)."""
    reason: Why

    @property
    def key(self) -> str:
        """Stable id of this problem: category, order and parcel."""
        return f"{self.category.value}~{self.order_id}~{self.tracking_number or ''}"

    @property
    def why(self) -> str:
        """The reason in English (the API's ``why``; pages translate ``reason``)."""
        return english(self.reason)


def _hours(delta: timedelta) -> float:
    return round(delta.total_seconds() / 3600, 1)


def classify(parcel: Parcel, usual: Usual, schedule: Schedule, now: datetime,
             sla: Sla | None = None) -> list[Flag]:
    """Every watchlist category ``parcel`` falls into at ``now`` (empty when all is well).

    ``sla`` is the merchant's lead time for the parcel's carrier and destination country
    (``domain.lead_time_sla``), checked beside the promise; without either, the lane's
    usual transit stands in.
    """
    scans = sorted((s for s in parcel.scans if s.at <= now), key=lambda s: s.at)
    if any(s.status in FINAL_SCANS for s in scans) or parcel.order_status in (
            "delivered", "cancelled"):
        return []
    flags: list[Flag] = []
    tz = schedule.tz

    def flag(category: Category, since: datetime, due: datetime, why: Why) -> None:
        flags.append(Flag(category=category, order_id=parcel.order_id, carrier=parcel.carrier,
                          tracking_number=parcel.tracking_number, since=since, due=due,
                          reason=why))

    if parcel.shipped_at is None and parcel.labelled_at is not None:
        pickup = schedule.next_pickup(parcel.labelled_at, parcel.pickup)
        if now > pickup:
            flag(Category.LABELLED_NOT_HANDED_OVER, parcel.labelled_at, pickup,
                 Why("labelled_not_handed_over", {
                     "labelled": parcel.labelled_at.astimezone(tz),
                     "carrier": parcel.carrier, "pickup": pickup.astimezone(tz)}))
    if parcel.shipped_at is None:
        due = schedule.planned_handover(parcel.accepted_at, usual.processing_days,
                                        parcel.pickup)
        if now > due:
            flag(Category.DELAYED_DISPATCH, parcel.accepted_at, due,
                 Why("delayed_dispatch", {"due": due.astimezone(tz),
                                          "days": usual.processing_days,
                                          "status": parcel.order_status}))
        return flags
    shipped = parcel.shipped_at
    problem = tracking_number_fault(parcel.carrier, parcel.tracking_number or "")
    if problem is not None:
        flag(Category.INVALID_TRACKING, shipped, shipped, problem)
    carrier_scans = [s for s in scans if s.status not in NOT_A_CARRIER_SCAN]
    if not carrier_scans:
        due = shipped + timedelta(hours=usual.first_scan_hours)
        if now > due:
            flag(Category.FORGOTTEN, shipped, due,
                 Why("forgotten", {"silent": _hours(now - shipped),
                                   "usual": _hours(due - shipped)}))
    else:
        last = carrier_scans[-1]
        reason = last.exception_reason or last.raw_code
        if last.status == "delivery_attempt_failed":
            flag(Category.FAILED_ATTEMPT, last.at, last.at,
                 Why("failed_attempt", {"reason": reason}) if reason
                 else Why("failed_attempt_no_reason"))
        elif last.status == "exception":
            due = schedule.end_of_next_working_day(last.at)
            if now > due:
                flag(Category.EXCEPTION, last.at, due,
                     Why("exception", {"reason": reason}) if reason
                     else Why("exception_no_reason"))
        if last.status not in WAITING_FOR_CUSTOMER:
            due = last.at + timedelta(hours=usual.scan_gap_hours)
            if now > due:
                flag(Category.DELAYED, last.at, due,
                     Why("delayed", {"silent": _hours(now - last.at), "scan": last.status,
                                     "usual": _hours(due - last.at)}))
    late = lead_time_deadline(parcel, usual, schedule, sla, now)
    if late is not None:
        due, basis = late
        flag(Category.LEAD_TIME_EXCEEDED, due, due,
             Why(basis.code, {**basis.facts, "late": _hours(now - due)}))
    return flags


def lead_time_deadline(parcel: Parcel, usual: Usual, schedule: Schedule, sla: Sla | None,
                       now: datetime) -> tuple[datetime, Why] | None:
    """The earliest delivery deadline of a shipped parcel that has passed at ``now``, and
    its basis: the promise made to the customer and the merchant's SLA for the lane, both
    checked; the lane's usual transit only when neither applies.  None while none passed."""
    assert parcel.shipped_at is not None
    deadlines: list[tuple[datetime, Why]] = []
    if parcel.promised_latest is not None:
        deadlines.append((schedule.end_of(parcel.promised_latest),
                          Why("late_promise", {"promised": parcel.promised_latest})))
    if sla is not None:
        deadlines.append((schedule.transit_deadline(parcel.shipped_at, sla.days),
                          Why("late_sla", {"carrier": sla.carrier, "country": sla.country,
                                           "days": sla.days})))
    if not deadlines:
        deadlines.append((schedule.transit_deadline(parcel.shipped_at, usual.transit_days),
                          Why("late_usual", {"days": usual.transit_days})))
    passed = [d for d in deadlines if now > d[0]]
    return min(passed, key=lambda d: d[0]) if passed else None
