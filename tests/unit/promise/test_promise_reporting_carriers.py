"""The live correction listens only to carrier services that report deliveries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.domain.promise.history import HistoryRow
from doorstep.services.live_transit import reporting_rows

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def _parcel(order_id: str, carrier: str, *, delivered_days_ago: float | None) -> HistoryRow:
    shipped = NOW - timedelta(days=5)
    delivered = None if delivered_days_ago is None else NOW - timedelta(days=delivered_days_ago)
    return HistoryRow(order_id=order_id, ordered_at=shipped - timedelta(hours=4),
                      shipped_at=shipped, delivered_at=delivered, carrier=carrier,
                      service="paket", dest_country="DE")


def test_parcels_of_a_carrier_without_any_delivery_on_record_are_not_evidence() -> None:
    """Five DPD parcels in flight and not one DPD delivery: no tracking feed (the demo
    imports the week's scans afterwards), not a slow carrier — so they are left out."""
    rows = [_parcel(f"D{i}", "dpd", delivered_days_ago=None) for i in range(5)]
    rows += [_parcel("H1", "dhl", delivered_days_ago=3), _parcel("H2", "dhl",
                                                              delivered_days_ago=None)]
    kept = reporting_rows(rows, NOW)
    assert [r.order_id for r in kept] == ["H1", "H2"]  # DHL reports: its parcel in flight counts


def test_a_delivery_recorded_after_the_moment_asked_does_not_count_yet() -> None:
    rows = [_parcel("H1", "dhl", delivered_days_ago=-1), _parcel("H2", "dhl",
                                                               delivered_days_ago=None)]
    assert reporting_rows(rows, NOW) == []
