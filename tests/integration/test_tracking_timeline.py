"""Carrier events on the order timeline, once, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_builders import ship_new_order
from sqlalchemy import Connection, Engine, func, select

from doorstep.adapters.db.tables import tracking_events
from doorstep.adapters.db.uow import transaction
from doorstep.domain.harmonise.tracking import (
    ExceptionReason,
    Location,
    TrackingEvent,
    TrackingStatus,
)
from doorstep.services.order_views import order_view
from doorstep.services.tracking_ingest import IngestReport, store_events
from doorstep.services.tracking_timeline import Outcome, record_tracking_event

# Scans happen tomorrow morning: after the hand-over the tests record now, whatever the date.
TOMORROW = (datetime.now(UTC) + timedelta(days=1)).replace(hour=9, minute=0, second=0,
                                                           microsecond=0)


def scan(status: TrackingStatus, *, source: str = "dhl-unified", minute: int = 5) -> TrackingEvent:
    return TrackingEvent(carrier="dhl", source=source, tracking_number="00340434161094042557",
                         status=status, occurred_at=TOMORROW + timedelta(minutes=minute),
                         raw_code="transit", raw_text="The shipment is on its way",
                         location=Location(city="Leipzig", country="DE"))


def shipped_order(engine: Engine) -> str:
    return ship_new_order(engine, "T1", ("MUG", 1), carrier="dhl",
                          tracking_number="00340434161094042557")


def record(conn: Connection, event: TrackingEvent) -> Outcome:
    return record_tracking_event(conn, event).outcome


def timeline_types(engine: Engine, oid: str) -> list[str]:
    with engine.connect() as conn:
        return [e["type"] for e in order_view(conn, oid)["timeline"]]


def test_a_carrier_scan_lands_on_its_orders_timeline_with_raw_code(stocked: Engine) -> None:
    """An in-transit scan for the shipment's tracking number appears on the timeline."""
    oid = shipped_order(stocked)
    with transaction(stocked, write=True) as conn:
        assert record(conn, scan(TrackingStatus.in_transit)) == "added"
    with stocked.connect() as conn:
        last = order_view(conn, oid)["timeline"][-1]
    assert last["type"] == "tracking.in_transit"
    assert last["data"]["raw_code"] == "transit" and last["actor"] == "carrier:dhl"


def test_the_same_scan_from_a_second_feed_is_kept_once(stocked: Engine) -> None:
    """DHL's two feeds reporting one scan give one event (documented dedup key)."""
    oid = shipped_order(stocked)
    with transaction(stocked, write=True) as conn:
        assert record(conn, scan(TrackingStatus.in_transit)) == "added"
        assert record(conn, scan(TrackingStatus.in_transit, source="dhl-parcel-de")) \
            == "duplicate"
    assert timeline_types(stocked, oid).count("tracking.in_transit") == 1


def test_a_scan_before_its_shipment_is_known_is_kept_and_matched_later(stocked: Engine) -> None:
    """An early scan is stored unmatched, then joins the timeline when the parcel ships."""
    with transaction(stocked, write=True) as conn:
        assert record(conn, scan(TrackingStatus.info_received, minute=1)) \
            == "unmatched"
    with stocked.connect() as conn:
        assert conn.execute(select(func.count()).select_from(tracking_events)).scalar() == 1
    oid = shipped_order(stocked)
    assert "tracking.info_received" in timeline_types(stocked, oid)


def in_country(country: str | None) -> TrackingEvent:
    return TrackingEvent(carrier="dpd", source="dpd", tracking_number="01234567890123",
                         status=TrackingStatus.delivery_attempt_failed,
                         occurred_at=TOMORROW + timedelta(minutes=5),
                         raw_code="failed", location=Location(country=country))


def test_the_same_scan_key_in_two_known_countries_is_two_scans(stocked: Engine) -> None:
    """Two failed attempts in the same minute in BE and DE are both kept."""
    with transaction(stocked, write=True) as conn:
        assert record(conn, in_country("BE")) == "unmatched"
        assert record(conn, in_country("DE")) == "unmatched"


def test_the_same_scan_key_with_the_same_or_no_country_is_one_scan(stocked: Engine) -> None:
    """Same key: a repeat in BE, or one with no country, is a duplicate."""
    with transaction(stocked, write=True) as conn:
        assert record(conn, in_country("BE")) == "unmatched"
        assert record(conn, in_country("BE")) == "duplicate"
        assert record(conn, in_country(None)) == "duplicate"


def test_a_carrier_delivery_scan_completes_the_order(stocked: Engine) -> None:
    """A delivered scan moves a shipped order to delivered, attributed to the carrier."""
    oid = shipped_order(stocked)
    with transaction(stocked, write=True) as conn:
        report = IngestReport("test")
        store_events(conn, [scan(TrackingStatus.delivered, minute=30)], report)
    assert report.delivered_orders == [oid]
    with stocked.connect() as conn:
        view = order_view(conn, oid)
    assert view["status"] == "delivered"
    assert view["timeline"][-1]["actor"] == "carrier:dhl"


def test_an_early_exception_keeps_its_reason_when_its_shipment_appears(stocked: Engine) -> None:
    """A customs exception stored unmatched carries exception_reason onto the timeline later."""
    early = TrackingEvent(carrier="dhl", source="dhl-unified",
                          tracking_number="00340434161094042557",
                          status=TrackingStatus.exception,
                          exception_reason=ExceptionReason.customs,
                          occurred_at=TOMORROW,
                          raw_code="customs", location=Location(country="DE"))
    with transaction(stocked, write=True) as conn:
        assert record(conn, early) == "unmatched"
    oid = shipped_order(stocked)
    with stocked.connect() as conn:
        entry = next(e for e in order_view(conn, oid)["timeline"]
                     if e["type"] == "tracking.exception")
    assert entry["data"]["exception_reason"] == "customs"


def test_a_stored_delivery_scan_from_before_the_hand_over_does_not_complete_the_order(
    stocked: Engine,
) -> None:
    """A delivery scan stored before its shipment existed joins the timeline when the
    parcel ships, but never completes the order by itself (it is for review)."""
    with transaction(stocked, write=True) as conn:
        assert record(conn, scan(TrackingStatus.delivered, minute=30)) == "unmatched"
    oid = shipped_order(stocked)
    with stocked.connect() as conn:
        view = order_view(conn, oid)
    assert view["status"] == "shipped"
    assert "tracking.delivered" in [e["type"] for e in view["timeline"]]


def test_an_old_delivery_scan_for_a_reused_tracking_number_does_not_deliver_a_new_order(
    stocked: Engine,
) -> None:
    """Carriers reuse numbers: a delivered scan from before the order existed is attached
    to the timeline but cannot complete the order."""
    old = TrackingEvent(carrier="dhl", source="dhl-unified",
                        tracking_number="00340434161094042557", status=TrackingStatus.delivered,
                        occurred_at=datetime(2025, 1, 2, 10, 0, tzinfo=UTC), raw_code="dlv",
                        location=Location(country="DE"))
    with transaction(stocked, write=True) as conn:
        assert record(conn, old) == "unmatched"
    oid = shipped_order(stocked)
    with stocked.connect() as conn:
        view = order_view(conn, oid)
    assert view["status"] == "shipped"
