"""A year of orders, parcels and scans written straight into the tables, fast.

For the cockpit benchmark (``benchmarks/cockpit.py``): a million orders go through no API —
PostgreSQL gets them by ``COPY``, SQLite by multi-row inserts in one transaction — but in the
shape the services write, so every page reads what it would read in production::

    age of the order     state                          rows
    < 6 h                received … packed (open)       order, line, received + promise events
    6 h – transit        shipped, scans so far           + shipment, shipped event, scans
    delivered            delivered                       + delivered scan and event
    1 % of all           cancelled before packing

A few parcels carry trouble the watchlist must find: no scan after hand-over (0.3 %), an
exception (0.2 %), a failed attempt (0.2 %), an impossible tracking number (0.1 %).  Customers
order about twice each (``customer<N>@example.org``); tracking numbers follow each carrier's
format.  ``seed`` makes the book reproducible.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, insert, text

from doorstep.adapters.db.tables import (
    order_events,
    order_lines,
    orders,
    shipments,
    tracking_events,
)

CARRIERS = (("dhl", "paket", (1, 1, 1, 2, 2, 3)), ("dpd", "classic", (1, 1, 2, 2, 3, 4)),
            ("gls", "parcel", (1, 2, 2, 2, 3, 3)), ("hermes", "paket", (2, 2, 3, 3, 4, 5)))
OPEN_STEPS = ("received", "allocated", "released", "picking", "packed")
COUNTRIES = (("DE", "10117", "Berlin"), ("DE", "80331", "München"), ("DE", "20095", "Hamburg"),
             ("AT", "1010", "Wien"), ("NL", "1012", "Amsterdam"))


def tracking_number(carrier: str, i: int) -> str:
    return {"dhl": f"00340434{i:012d}", "dpd": f"0{i:013d}", "gls": f"{i % 10**11:011d}",
            "hermes": f"H{i:019d}"}[carrier]


@dataclass
class Book:
    """The generated rows, table by table (dicts keyed by column name)."""

    orders: list[dict[str, Any]] = field(default_factory=list)
    lines: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    scans: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)

    def size(self) -> int:
        return sum(len(t) for t in (self.orders, self.lines, self.shipments, self.scans,
                                    self.events))


def _scan(order_id: str, carrier: str, number: str, status: str, at: datetime, n: int,
          reason: str | None = None) -> dict[str, Any]:
    key = f"{carrier}|{number}|{status}|{n}"
    return {"dedup_key": key, "dedup_base": key, "carrier": carrier,
            "source": f"{carrier}-webhook", "tracking_number": number, "status": status,
            "exception_reason": reason, "occurred_at": at, "raw_code": status[:6].upper(),
            "raw_text": None, "location": {"country": "DE"}, "order_id": order_id,
            "received_at": at + timedelta(minutes=2)}


def generate(count: int, *, now: datetime | None = None, seed: int = 7,
             per_day: int = 2740) -> Iterator[Book]:
    """The order book in chunks of about 20,000 orders (newest last)."""
    rng = random.Random(seed)
    now = now or datetime.now(UTC)
    span = timedelta(days=max(30.0, count / per_day))
    start = now - span
    step = span / count
    book = Book()
    for i in range(count):
        accepted = start + step * i
        age = now - accepted
        oid = f"ord_{i:026d}"
        carrier, service, transit = CARRIERS[i % len(CARRIERS)]
        country, postcode, city = COUNTRIES[(i // 7) % len(COUNTRIES)]
        email = f"customer{(i * 7919) % max(count // 2, 1)}@example.org"
        cancelled = rng.random() < 0.01
        status = "delivered"
        shipped_at = accepted + timedelta(hours=rng.uniform(2, 6))
        days = rng.choice(transit)
        delivered_at = shipped_at + timedelta(days=days, hours=rng.uniform(0, 8))
        if cancelled:
            status = "cancelled"
        elif shipped_at > now:
            status = OPEN_STEPS[min(int(age / timedelta(hours=6) * 5), 4)]
        elif delivered_at > now:
            status = "shipped"
        book.orders.append({
            "id": oid, "external_id": f"#{100000 + i}", "channel": "shop", "status": status,
            "warehouse": "BER", "currency": "EUR", "shipping_price": Decimal("4.90"),
            "priority": 0, "carrier_service": f"{carrier}:{service}",
            "customer": {"name": f"Customer {i}", "email": email},
            "shipping_address": {"name": f"Customer {i}", "line1": "Hauptstraße 1",
                                 "postcode": postcode, "city": city, "country": country},
            "placed_at": accepted, "accepted_at": accepted, "updated_at": accepted,
            "content_hash": f"{i:064d}"})
        book.lines.append({"order_id": oid, "line_no": 1, "sku": f"SKU-{i % 240:03d}",
                           "name": "Item", "quantity": 1, "unit_price": Decimal("19.90"),
                           "allocated": 0 if status in ("received", "cancelled") else 1,
                           "picked": 1 if status in ("packed", "shipped", "delivered") else 0,
                           "shipped": 1 if status in ("shipped", "delivered") else 0})
        book.emails.append(email)
        latest = (accepted + timedelta(days=3 + (rng.random() < 0.5))).date()
        book.events += [
            {"order_id": oid, "at": accepted, "type": "received", "actor": "channel:shop",
             "data": {}},
            {"order_id": oid, "at": accepted + timedelta(seconds=1), "type": "promise",
             "actor": "promise-engine", "data": {"revision": 0, "cause": "accepted",
                                                 "latest_date": latest.isoformat()}}]
        if status in OPEN_STEPS or status == "cancelled":
            if status == "cancelled":
                book.events.append({"order_id": oid, "at": accepted + timedelta(hours=1),
                                    "type": "cancelled", "actor": "user:ops", "data": {}})
            continue
        trouble = rng.random()
        number = tracking_number(carrier, i) if trouble >= 0.001 else f"X{i}"
        book.numbers.append(number)
        book.shipments.append({"order_id": oid, "carrier": carrier, "tracking_number": number,
                               "shipped_at": shipped_at, "units": {"1": 1}})
        book.events.append({"order_id": oid, "at": shipped_at, "type": "shipped",
                            "actor": "user:packer", "data": {"carrier": carrier,
                                                             "tracking_number": number}})
        if trouble < 0.004:  # an impossible number, or never scanned: "forgotten"
            if status == "delivered":
                book.orders[-1]["status"] = "shipped"
            continue
        scans: list[tuple[str, datetime, str | None]] = [
            ("picked_up", shipped_at + timedelta(hours=3), None),
                 ("in_transit", shipped_at + timedelta(hours=11), None)]
        if 0.004 <= trouble < 0.006:
            scans.append(("exception", shipped_at + timedelta(hours=20), "address"))
        elif 0.006 <= trouble < 0.008:
            scans.append(("delivery_attempt_failed", shipped_at + timedelta(days=1, hours=3),
                          "recipient_absent"))
        elif status == "delivered":
            scans.append(("delivered", delivered_at, None))
        for n, (scan_status, at, reason) in enumerate(scans):
            if at <= now:
                book.scans.append(_scan(oid, carrier, number, scan_status, at, n, reason))
        if status == "delivered" and scans[-1][0] == "delivered":
            book.events.append({"order_id": oid, "at": delivered_at, "type": "delivered",
                                "actor": f"carrier:{carrier}", "data": {}})
        elif status == "delivered":
            book.orders[-1]["status"] = "shipped"  # trouble kept it from arriving
        if len(book.orders) >= 20_000:
            yield book
            book = Book()
    if book.orders:
        yield book


TABLES = (("orders", orders), ("lines", order_lines), ("shipments", shipments),
          ("scans", tracking_events), ("events", order_events))


def _copy_value(value: Any) -> Any:
    if isinstance(value, dict):
        return json.dumps(value)
    return value


def load(engine: Engine, count: int, *, now: datetime | None = None, seed: int = 7
         ) -> dict[str, Any]:
    """Write ``count`` orders into ``engine``'s (migrated, empty) database.

    Returns a sample of e-mail addresses and tracking numbers to search for, and row counts.
    """
    rows = 0
    emails: list[str] = []
    numbers: list[str] = []
    sampler = random.Random(seed + 1)
    postgres = engine.dialect.name == "postgresql"
    for book in generate(count, now=now, seed=seed):
        rows += book.size()
        emails += sampler.sample(book.emails, min(20, len(book.emails)))
        if book.numbers:
            numbers += sampler.sample(book.numbers, min(20, len(book.numbers)))
        if postgres:
            raw = engine.raw_connection()
            try:
                cursor = raw.cursor()
                for name, table in TABLES:
                    data = getattr(book, name)
                    if not data:
                        continue
                    columns = list(data[0])
                    sql = f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
                    with cursor.copy(sql) as copy:
                        for row in data:
                            copy.write_row([_copy_value(row[c]) for c in columns])
                raw.commit()
            finally:
                raw.close()
        else:
            with engine.begin() as conn:
                for name, table in TABLES:
                    data = getattr(book, name)
                    for i in range(0, len(data), 5000):
                        conn.execute(insert(table), data[i:i + 5000])
    with engine.connect() as conn:
        if postgres:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
        else:
            conn.execute(text("ANALYZE"))
    return {"rows": rows, "emails": emails, "tracking_numbers": numbers}
