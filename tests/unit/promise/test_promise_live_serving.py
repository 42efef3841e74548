"""The promise real orders get carries the online correction: through a simulated carrier
slow-down it widens within days from the parcels in flight, and narrows once they move."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from sqlalchemy import Connection, create_engine, insert

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import orders, shipments, tracking_events
from doorstep.domain.promise.engine import make_promise
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.load import BacklogReading
from doorstep.domain.promise.online import AciConfig
from doorstep.domain.promise.synthetic import ORIGIN
from doorstep.services.live_transit import correction_now, running_levels
from doorstep.services.order_promises import _original, promise_order, promise_request

BERLIN = ZoneInfo("Europe/Berlin")
FIRST = date(2024, 11, 4)  # a Monday, after the fixture's history
SHOCK = date(2024, 11, 11)  # parcels handed over from here take three more carrier days
RECOVERY = date(2024, 11, 18)  # … and from here on they move as before
PER_DAY = 30


def _order(order_id: str, placed: datetime, status: str) -> dict[str, object]:
    return {"id": order_id, "external_id": order_id, "channel": "api", "status": status,
            "warehouse": ORIGIN[1], "currency": "EUR", "shipping_price": Decimal("0"),
            "priority": 0, "carrier_service": "dhl:paket", "customer": {"name": "A"},
            "shipping_address": {"country": "DE", "postcode": "90402", "region": "BY"},
            "placed_at": placed, "accepted_at": placed, "updated_at": placed,
            "content_hash": order_id}


def _dhl_day_after(day: date, n: int) -> date:
    """The n-th day after ``day`` that DHL delivers (Monday to Saturday)."""
    while n:
        day += timedelta(days=1)
        n -= day.weekday() != 6
    return day


def _book(conn: Connection, last_hand_over: date) -> None:
    """DHL parcels handed over every day from FIRST to ``last_hand_over`` at 15:00; four in
    five arrive the next delivery day, the rest the one after; three days more in the shock.
    Deliveries are written as they would be scanned — also those still in the future of
    the moment asked, which must not be read early."""
    rng = np.random.default_rng(1)
    day, n = FIRST, 0
    while day <= last_hand_over:
        for _ in range(PER_DAY):
            oid = f"L{n:05d}"
            n += 1
            handed = datetime.combine(day, time(15), BERLIN)
            transit = 1 + int(rng.random() < 0.2) + (3 if SHOCK <= day < RECOVERY else 0)
            arrived = datetime.combine(_dhl_day_after(day, transit), time(11), BERLIN)
            conn.execute(insert(orders), [_order(oid, handed - timedelta(hours=5), "shipped")])
            conn.execute(insert(shipments), [{"order_id": oid, "carrier": "dhl",
                                              "tracking_number": oid, "shipped_at": handed,
                                              "units": {}}])
            conn.execute(insert(tracking_events), [{
                "dedup_key": oid, "dedup_base": oid, "carrier": "dhl", "source": "test",
                "tracking_number": oid, "status": "delivered", "occurred_at": arrived,
                "raw_code": "DLV", "location": {}, "order_id": oid, "received_at": arrived}])
        day += timedelta(days=1)


@pytest.fixture()
def conn() -> Iterator[Connection]:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as c:
        _book(c, RECOVERY + timedelta(days=4))
        yield c


def _promise_at(conn: Connection, fit: FitResult, day: date) -> tuple[date, date, int]:
    """A new DHL order at 09:00 on ``day``: (promised with the correction, without, shift)."""
    at = datetime.combine(day, time(9), BERLIN)
    oid = f"N{day:%m%d}"
    # a probe: cancelled, so its own outcome does not feed the running level of later probes
    conn.execute(insert(orders), [_order(oid, at, "cancelled")])
    corrected = promise_order(conn, fit.model, oid, reading=BacklogReading(backlog=0),
                              correction=correction_now(conn, fit.model, at,
                                                        origin_country="DE"))
    plain = make_promise(fit.model, promise_request(conn, oid, "DE"))
    stored = _original(conn, oid)
    assert stored is not None and stored["promised_date"] == \
        corrected.window.promised_date.isoformat()
    return corrected.window.promised_date, plain.window.promised_date, corrected.transit_shift


def test_a_promise_widens_within_days_of_a_slow_down_and_narrows_after_it(
    conn: Connection, small_fit: FitResult,
) -> None:
    before = _promise_at(conn, small_fit, SHOCK - timedelta(days=1))
    assert before[0] == before[1] and before[2] == 0  # normal week: the model's own promise
    # Wednesday: Monday's parcels are one delivery day over and none has arrived.
    wednesday = _promise_at(conn, small_fit, SHOCK + timedelta(days=2))
    assert wednesday[2] >= 1
    assert wednesday[0] > wednesday[1]
    # Friday: Monday's parcels arrived three days late; the shift is now measured.
    friday = _promise_at(conn, small_fit, SHOCK + timedelta(days=5))
    assert friday[2] == 3
    # Two days after the carrier recovered its first normal parcels have arrived.
    after = _promise_at(conn, small_fit, RECOVERY + timedelta(days=2))
    assert after[2] == 0 and after[0] == after[1]


def _row(i: int, shipped: datetime, delivered: datetime | None) -> HistoryRow:
    return HistoryRow(order_id=f"o{i}", ordered_at=shipped - timedelta(hours=2),
                      shipped_at=shipped, delivered_at=delivered, carrier="dhl",
                      service="paket", dest_country="DE")


def test_a_parcel_in_flight_past_its_promised_day_is_a_miss_at_once(
    small_fit: FitResult,
) -> None:
    handed = datetime(2024, 11, 4, 15, tzinfo=UTC)
    rows = [_row(i, handed, None) for i in range(20)]
    promised = {f"o{i}": date(2024, 11, 6) for i in range(20)}
    cfg = AciConfig(gamma=0.01)
    during = running_levels(small_fit.model, rows, promised,
                            datetime(2024, 11, 6, 20, tzinfo=UTC), cfg)
    assert during == {}  # the promised day is not over: nothing known yet
    after = running_levels(small_fit.model, rows, promised,
                           datetime(2024, 11, 7, 1, tzinfo=UTC), cfg)
    assert after["dhl:paket"] > 0.95  # twenty misses, known without a single delivery
    kept = [_row(i, handed, datetime(2024, 11, 5, 11, tzinfo=UTC)) for i in range(20)]
    back = running_levels(small_fit.model, kept, promised,
                          datetime(2024, 11, 7, 1, tzinfo=UTC), cfg)
    assert back["dhl:paket"] < 0.95  # kept promises lower it: it moves both ways
