"""Carrier scans for the demo's parcels, drawn from the fitted lanes, fed through the real
tracking-ingest use case (``services.tracking_ingest``, the ``carrier-csv`` profile) hour
by hour on the simulated clock.

Each parcel gets an in-transit scan a few hours after hand-over, then on its delivery day
(a transit time drawn from the promise model's lane, in the carrier's delivery days) an
out-for-delivery and a delivered scan.  A few parcels get a story instead: a failed
attempt (delivered the next delivery day), a delay (exception, a day later), a pick-up
point (available for pick-up, collected the day after) and a refusal that goes back to the
sender.  A handful of faulty rows — an unknown status code, a time without an offset, a
missing tracking number, a scan from the future, an impossible weight — go through the
same import and end in quarantine with their reasons.  Scans later than ``until`` have not
happened yet: those parcels are still on their way.
"""

from __future__ import annotations

import csv
import functools
import io
import random
import zlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import orders, shipments
from doorstep.clock import SimulatedClock, use_clock
from doorstep.services.outbox import Handler, process_batch
from doorstep.services.tracking_ingest import ingest_tracking
from doorstep.services.tracking_memory import StoredEventsIndex
from doorstep.simulation.arrivals import SimOrder
from doorstep.simulation.promises import PromiseDesk

HEADER = ["carrier", "tracking_number", "status", "status_text", "timestamp", "city",
          "postcode", "country", "weight", "weight_unit", "reference", "raw_code"]
HUB = {"dhl": "Nürnberg", "dpd": "Nürnberg", "ups": "Nürnberg", "gls": "Nürnberg"}
CITY = {"DE": "Berlin", "AT": "Wien", "NL": "Amsterdam", "CH": "Zürich", "FR": "Paris",
        "PL": "Warszawa", "IT": "Roma", "DK": "København"}
ZONES = {"DE": "Europe/Berlin", "AT": "Europe/Vienna", "NL": "Europe/Amsterdam",
         "CH": "Europe/Zurich", "FR": "Europe/Paris", "PL": "Europe/Warsaw",
         "IT": "Europe/Rome", "DK": "Europe/Copenhagen"}
Step = Callable[[int], None]


@dataclass
class ScanSummary:
    scans: int = 0
    quarantined: int = 0
    stories: dict[str, str] = field(default_factory=dict)  # story -> tracking number
    delivered: int = 0


@dataclass(frozen=True)
class Parcel:
    order_id: str
    tracking: str
    carrier: str
    shipped_at: datetime
    country: str
    postcode: str


def _parcels(engine: Engine) -> list[Parcel]:
    with engine.connect() as conn:
        rows = conn.execute(select(shipments.c.order_id, shipments.c.tracking_number,
                                   shipments.c.carrier, shipments.c.shipped_at,
                                   orders.c.shipping_address)
                            .join(orders, orders.c.id == shipments.c.order_id)
                            .order_by(shipments.c.shipped_at, shipments.c.id)).all()
    return [Parcel(r.order_id, r.tracking_number, r.carrier,
                   r.shipped_at if r.shipped_at.tzinfo else r.shipped_at.replace(tzinfo=UTC),
                   str((r.shipping_address or {}).get("country") or "DE"),
                   str((r.shipping_address or {}).get("postcode") or "")) for r in rows]


def _at(day: date, hour: float, country: str) -> datetime:
    zone = ZoneInfo(ZONES.get(country, "Europe/Berlin"))
    return datetime.combine(day, time(int(hour), int(hour % 1 * 60)), tzinfo=zone)


def _row(p: Parcel, status: str, at: datetime, text: str, *, city: str | None = None,
         country: str | None = None) -> dict[str, str]:
    country = country or p.country
    return {"carrier": p.carrier, "tracking_number": p.tracking, "status": status,
            "status_text": text, "timestamp": at.isoformat(), "city": city or
            CITY.get(country, ""), "postcode": p.postcode if country == p.country else "",
            "country": country, "weight": "", "weight_unit": "", "reference": p.order_id,
            "raw_code": status}


def _story_rows(p: Parcel, story: str, delivered: date, next_day: Callable[[date], date]
                ) -> list[dict[str, str]]:
    c = p.country
    if story == "failed attempt":
        again = next_day(delivered)
        return [_row(p, "out_for_delivery", _at(delivered, 8.5, c), "Out for delivery"),
                _row(p, "delivery_attempt_failed", _at(delivered, 13.2, c),
                     "Recipient not at home, new attempt next working day"),
                _row(p, "out_for_delivery", _at(again, 8.4, c), "Out for delivery"),
                _row(p, "delivered", _at(again, 11.7, c), "Delivered to recipient")]
    if story == "delay":
        late = next_day(delivered)
        return [_row(p, "exception:delayed", _at(delivered, 6.0, c),
                     "Delayed in the hub: high volume", city=HUB.get(p.carrier, "Nürnberg"),
                     country="DE"),
                _row(p, "out_for_delivery", _at(late, 8.2, c), "Out for delivery"),
                _row(p, "delivered", _at(late, 15.1, c), "Delivered to recipient")]
    if story == "pick-up point":
        later = next_day(delivered)
        return [_row(p, "out_for_delivery", _at(delivered, 8.0, c), "Out for delivery"),
                _row(p, "available_for_pickup", _at(delivered, 12.5, c),
                     "Ready for collection at the parcel shop Kiosk am Markt"),
                _row(p, "delivered", _at(later, 17.3, c), "Collected by the recipient")]
    if story == "return":
        back = next_day(next_day(delivered))
        return [_row(p, "out_for_delivery", _at(delivered, 8.1, c), "Out for delivery"),
                _row(p, "exception:refused", _at(delivered, 10.4, c), "Refused by recipient"),
                _row(p, "returning", _at(next_day(delivered), 7.0, c), "Returning to sender"),
                _row(p, "returned_to_sender", _at(back, 10.0, "DE"), "Returned to sender",
                     city="Nürnberg", country="DE")]
    minute = zlib.crc32(p.tracking.encode())  # the round's order, the same in every run
    return [_row(p, "out_for_delivery", _at(delivered, 8.0 + minute % 90 / 60, c),
                 "Out for delivery"),
            _row(p, "delivered", _at(delivered, 10.0 + minute % 420 / 60, c),
                 "Delivered to recipient")]


def faulty_rows(p: Parcel, at: datetime) -> list[dict[str, str]]:
    """Five rows a real feed sends now and then; each earns a quarantine reason."""
    good = _row(p, "in_transit", at, "In transit", city="Leipzig", country="DE")
    return [
        {**good, "status": "ZX9", "raw_code": "ZX9", "status_text": "Sendung bearbeitet"},
        {**good, "timestamp": at.replace(tzinfo=None).isoformat()},
        {**good, "tracking_number": ""},
        {**good, "timestamp": (at + timedelta(days=3)).isoformat()},
        {**good, "weight": "25", "weight_unit": "kg"},
    ]


def _next_open(open_days: npt.NDArray[np.int64], day: date) -> date:
    """The carrier's next delivery day after ``day``."""
    i = int(np.searchsorted(open_days, day.toordinal(), side="right"))
    return date.fromordinal(int(open_days[min(i, len(open_days) - 1)]))


def _csv(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=HEADER)
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def feed_scans(engine: Engine, desk: PromiseDesk, sim_orders: dict[str, SimOrder],
               *, until: datetime, handlers: dict[str, Handler], seed: int = 5,
               step: Step | None = None) -> ScanSummary:
    """Generate, then import hour by hour (clock at the end of each hour) every scan up to
    ``until``; the worker revises promises after each hour's scans."""
    rng = random.Random(seed)
    parcels = _parcels(engine)
    summary = ScanSummary()
    stories = ["failed attempt", "failed attempt", "failed attempt", "delay", "pick-up point",
               "return"]
    chosen: dict[str, str] = {}
    domestic = [p for p in parcels if p.country == "DE" and p.shipped_at < until
                - timedelta(days=4)]
    for story, parcel in zip(stories, rng.sample(domestic, min(len(domestic), len(stories))),
                             strict=False):
        chosen[parcel.tracking] = story
        summary.stories.setdefault(story, parcel.tracking)
    by_hour: dict[datetime, list[dict[str, str]]] = defaultdict(list)
    for p in parcels:
        order = sim_orders.get(p.order_id)
        if order is None:
            continue
        next_day = functools.partial(
            _next_open, desk.model.calendars.carrier(p.carrier, p.country).open_days)
        ship_day = p.shipped_at.astimezone(ZoneInfo("Europe/Berlin")).date()
        delivered = desk.delivery(order, ship_day)
        if delivered <= ship_day:
            delivered = next_day(ship_day)
        rows = [_row(p, "in_transit", p.shipped_at + timedelta(hours=3, minutes=rng.randint(0,
                                                                                          50)),
                     "Arrived at the parcel centre", city=HUB.get(p.carrier, "Nürnberg"),
                     country="DE")]
        rows += _story_rows(p, chosen.get(p.tracking, ""), delivered, next_day)
        for row in rows:
            at = datetime.fromisoformat(row["timestamp"]).astimezone(UTC)
            if at <= until:
                by_hour[at.replace(minute=0, second=0, microsecond=0)].append(row)
    if parcels:
        first = parcels[len(parcels) // 2]
        at = first.shipped_at + timedelta(hours=5)
        by_hour[at.replace(minute=0, second=0, microsecond=0)] += faulty_rows(first, at)
    clock = SimulatedClock(until)
    index = StoredEventsIndex(engine)
    for hour in sorted(by_hour):
        end = hour + timedelta(hours=1)
        clock.set(end)
        with use_clock(clock):
            report = ingest_tracking(engine, "carrier-csv", _csv(by_hour[hour]), index=index,
                                     now=end)
            latest = max((e.occurred_at for e in report.stored), default=end)
            clock.set(min(latest + timedelta(minutes=2), end))  # the worker is not far behind
            while process_batch(engine, limit=200, handlers=handlers).handled:
                pass
        summary.scans += len(report.stored)
        summary.quarantined += len(report.held)
        summary.delivered += sum(1 for e in report.stored if e.status.value == "delivered")
        if step is not None:
            step(len(by_hour[hour]))
    return summary
