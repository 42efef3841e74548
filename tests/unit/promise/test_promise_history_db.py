"""History from doorstep's own tables: orders, first shipment, first delivered scan."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from sqlalchemy import create_engine, insert

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import orders, shipments, tracking_events
from doorstep.services.promise_service import history_from_database

T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def _order(order_id: str, status: str, carrier_service: str | None) -> dict[str, object]:
    return {"id": order_id, "external_id": order_id, "channel": "api", "status": status,
            "warehouse": "NUE", "currency": "EUR", "shipping_price": Decimal("0"),
            "priority": 0, "carrier_service": carrier_service, "customer": {"name": "A"},
            "shipping_address": {"country": "DE", "postcode": "80331", "region": "BY"},
            "placed_at": T0, "accepted_at": T0, "updated_at": T0, "content_hash": order_id}


def test_orders_become_rows_with_censoring_and_reasons_for_the_rest() -> None:
    """Delivered, in-transit and waiting orders become rows; cancelled ones are left out."""
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(orders), [
            _order("O1", "delivered", "dhl:paket"), _order("O2", "shipped", "dpd:classic"),
            _order("O3", "accepted", "ups:standard"), _order("O4", "cancelled", "dhl:paket"),
            _order("O5", "accepted", None),
        ])
        conn.execute(insert(shipments), [
            {"order_id": "O1", "carrier": "dhl", "tracking_number": "1",
             "shipped_at": T0 + timedelta(hours=6), "units": {}},
            {"order_id": "O2", "carrier": "dpd", "tracking_number": "2",
             "shipped_at": T0 + timedelta(hours=7), "units": {}},
        ])
        conn.execute(insert(tracking_events), [{
            "dedup_key": "k1", "dedup_base": "k1", "carrier": "dhl", "source": "test",
            "tracking_number": "1",
            "status": "delivered", "occurred_at": T0 + timedelta(days=1), "raw_code": "DLV",
            "location": {}, "order_id": "O1", "received_at": T0 + timedelta(days=1)}])
        rows, problems = history_from_database(conn, origin_country="DE")
    by_id = {r.order_id: r for r in rows}
    assert set(by_id) == {"O1", "O2", "O3"}
    assert by_id["O1"].delivered_at == T0 + timedelta(days=1)
    assert by_id["O2"].delivered_at is None and by_id["O2"].shipped_at is not None
    assert by_id["O3"].shipped_at is None
    assert by_id["O1"].dest_postcode == "80331" and by_id["O1"].service == "paket"
    assert problems == [("O5", "carrier: empty")]


def _scan(key: str, order_id: str, status: str, at: datetime) -> dict[str, object]:
    return {"dedup_key": key, "dedup_base": key, "carrier": "dhl", "source": "test",
            "tracking_number": order_id, "status": status, "occurred_at": at, "raw_code": status,
            "location": {}, "order_id": order_id, "received_at": at}


def test_a_hand_over_recorded_after_the_first_scan_starts_at_the_scan_and_old_scans_are_ignored(
) -> None:
    """The carrier had the parcel at its first scan; a delivered scan from an earlier use of
    the tracking number (before the order existed) is no delivery of this order."""
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(orders), [_order("E1", "delivered", "dhl:paket"),
                                      _order("E2", "shipped", "dhl:paket")])
        conn.execute(insert(shipments), [
            {"order_id": oid, "carrier": "dhl", "tracking_number": oid,
             "shipped_at": T0 + timedelta(days=2), "units": {}} for oid in ("E1", "E2")])
        conn.execute(insert(tracking_events), [
            _scan("a", "E1", "in_transit", T0 + timedelta(hours=8)),
            _scan("b", "E1", "delivered", T0 + timedelta(days=1)),
            _scan("c", "E2", "delivered", T0 - timedelta(days=300)),
        ])
        rows, problems = history_from_database(conn, origin_country="DE")
    by_id = {r.order_id: r for r in rows}
    assert problems == []
    assert by_id["E1"].shipped_at == T0 + timedelta(hours=8)
    assert by_id["E1"].delivered_at == T0 + timedelta(days=1)
    assert by_id["E2"].shipped_at == T0 + timedelta(days=2)
    assert by_id["E2"].delivered_at is None


def test_rows_from_the_order_book_are_keyed_by_the_lane_the_worker_asks_for() -> None:
    """The order book stores the warehouse but not its country; rows fitted without it
    had the origin '-NUE' while the worker asks for 'DE-NUE', so no lane ever matched."""
    from doorstep.domain.promise.model import transit_keys
    from doorstep.services.order_promises import promise_request

    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(orders), [_order("O1", "accepted", "dhl:paket")])
        (row,), _ = history_from_database(conn, origin_country="DE")
        asked = promise_request(conn, "O1", "DE")

    def keys(r: object) -> tuple[str, ...]:
        return transit_keys(**{k: getattr(r, k) for k in (
            "carrier", "service", "origin_country", "origin_region", "dest_country",
            "dest_region", "dest_postcode")})

    assert keys(row) == keys(asked)
    assert keys(row)[0] == "lane|dhl:paket|DE-NUE|DE-80"
