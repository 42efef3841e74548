"""Tracking checks that span imports: the pipeline remembers what the database holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_builders import ship_new_order
from sqlalchemy import Engine

from doorstep.services.tracking_ingest import IngestReport, ingest_tracking

HEADER = ("carrier,tracking_number,status,status_text,timestamp,city,postcode,country,weight,"
          "weight_unit,reference,raw_code\n")


def scan(status: str, minutes_after_shipping: int, *, weight: str = "", unit: str = "") -> bytes:
    at = (SHIPPED_AT + timedelta(minutes=minutes_after_shipping)).isoformat()
    return (HEADER + f"dhl,JJD000222,{status},{status},{at},Berlin,10117,DE,{weight},{unit},,"
            f"{status}\n").encode()


SHIPPED_AT = datetime.now(UTC)


def ship_two_mugs(engine: Engine) -> None:
    """Two 350 g mugs leave in parcel JJD000222."""
    ship_new_order(engine, "M2", ("MUG", 2), carrier="dhl", tracking_number="JJD000222")


def import_once(engine: Engine, payload: bytes) -> IngestReport:
    """One import run, as a CLI call or a webhook makes it."""
    return ingest_tracking(engine, "carrier-csv", payload, now=SHIPPED_AT + timedelta(days=1))


def test_a_scan_repeated_in_a_later_import_is_a_duplicate(stocked: Engine) -> None:
    """The same in-transit scan imported in two runs is accepted once."""
    ship_two_mugs(stocked)
    first = import_once(stocked, scan("in_transit", 60))
    second = import_once(stocked, scan("in_transit", 60))
    assert (len(first.stored), len(second.stored), len(second.duplicates)) == (1, 0, 1)


def test_out_for_delivery_after_an_earlier_imports_delivery_is_quarantined(
        stocked: Engine) -> None:
    """Delivered in run 1, then 'out for delivery' later in run 2: the contradiction is held."""
    ship_two_mugs(stocked)
    import_once(stocked, scan("delivered", 120))
    later = import_once(stocked, scan("out_for_delivery", 180))
    assert not later.stored
    codes = {r.code.value for held in later.held for r in held.reasons}
    assert "delivered_before_out_for_delivery" in codes


def test_a_weight_in_lb_labelled_kg_is_named_against_the_packed_weight(stocked: Engine) -> None:
    """700 g of mugs reported as 1.54 'kg' (really lb) is quarantined as a unit mix-up."""
    ship_two_mugs(stocked)
    batch = import_once(stocked, scan("in_transit", 30, weight="1.54", unit="kg"))
    reasons = [r for held in batch.held for r in held.reasons]
    assert any(r.code.value == "weight_mismatch" and "pounds" in r.message for r in reasons)
