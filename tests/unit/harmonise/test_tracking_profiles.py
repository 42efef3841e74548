"""Each built-in carrier profile on the carrier's real payload (tests/fixtures/carriers)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from doorstep.adapters.importers.tracking_pipeline import TrackingBatch, TrackingPipeline
from doorstep.domain.harmonise.reasons import ReasonCode
from doorstep.domain.harmonise.tracking import TrackingStatus

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def run(profile: str, sample: str, **context: str) -> TrackingBatch:
    return TrackingPipeline(profile, now=NOW).process((FIXTURES / sample).read_bytes(), context)


def statuses(batch: TrackingBatch) -> list[tuple[str, str]]:
    return [(e.raw_code, e.status.value) for e in batch.accepted]


def test_dhl_parcel_de_events_map_with_raw_codes_and_berlin_time() -> None:
    """All seven Parcel DE scans are accepted, in German local time, raw codes kept."""
    batch = run("dhl-parcel-de", "dhl_parcel_de/TrackingResponseXML.xml")
    assert batch.summary.accepted == 7 and not batch.held
    assert statuses(batch) == [
        ("ES", "picked_up"), ("AA", "in_transit"), ("AE", "picked_up"), ("AA", "in_transit"),
        ("EE", "in_transit"), ("PO", "out_for_delivery"), ("ZU", "delivered")]
    delivered = batch.accepted[-1]
    assert delivered.tracking_number == "00340434161094015902"
    assert delivered.occurred_at == datetime(2016, 3, 18, 9, 2, tzinfo=UTC)  # 10:02 CET
    assert delivered.raw_text == "The shipment has been successfully delivered"
    assert delivered.location.city == "Bonn" and delivered.location.country == "DE"
    assert delivered.weight_g is None  # the feed's 0.0 means "not weighed"


def test_dpd_skips_unreached_milestones_and_reads_depot_local_time() -> None:
    """DPD's fifteen reached milestones become events; dates are local to the depot."""
    batch = run("dpd", "dpd/TrackingResponse.xml", tracking_number="05308801410058")
    assert batch.summary.accepted == 15 and not batch.held
    first = batch.accepted[0]
    assert (first.raw_code, first.status) == ("BetweenDepots", TrackingStatus.in_transit)
    assert first.occurred_at == datetime(2021, 8, 17, 17, 11, 26, tzinfo=UTC)  # 7:11 PM CEST
    by_code = {e.raw_code: e.status.value for e in batch.accepted}
    assert by_code["ParcelShop"] == "available_for_pickup"
    assert by_code["DeliveryFailure"] == "delivery_attempt_failed"
    assert by_code["Courier"] == "out_for_delivery"
    assert {e.location.country for e in batch.accepted} == {"BE", "DE"}


def test_dpd_without_a_tracking_number_is_held_not_guessed() -> None:
    """DPD's answer does not repeat the parcel number: without context it is missing."""
    batch = run("dpd", "dpd/TrackingResponse.xml")
    assert batch.summary.accepted == 0 and batch.summary.quarantined == 15
    assert all(r.code is ReasonCode.missing_field for h in batch.held for r in h.reasons)


def test_gls_events_keep_their_offsets() -> None:
    """GLS writes +0200; the event is stored in UTC with the written offset kept."""
    batch = run("gls", "gls/TrackingResponse.json")
    assert statuses(batch) == [("INTIAL.NORMAL", "picked_up"),
                               ("INTIAL.PREADVICE", "info_received")]
    assert batch.accepted[0].utc_offset_minutes == 120
    assert batch.accepted[0].occurred_at == datetime(2024, 10, 7, 8, 46, 14, tzinfo=UTC)


def test_hermes_journey_maps_to_the_canonical_sequence() -> None:
    """Hermes' four scans read as notified, in transit, out for delivery, delivered."""
    batch = run("hermes", "hermes/TrackingResponse.json")
    assert [e.status.value for e in batch.accepted] == [
        "info_received", "in_transit", "out_for_delivery", "delivered"]
    assert {e.reference for e in batch.accepted} == {"ORDER-12345"}
    assert {e.location.country for e in batch.accepted} == {"DE"}  # "DEU" normalised


def test_dhl_unified_sample_contradicts_itself_and_is_held() -> None:
    """statusCode pre-transit with status text DELIVERED is mislabelled, not "in transit"."""
    batch = run("dhl-unified", "dhl_universal/TrackingResponseJSON.json")
    assert batch.summary.accepted == 0 and batch.summary.quarantined == 1
    held = batch.held[0]
    assert [r.code for r in held.reasons] == [ReasonCode.mislabelled_status]
    assert held.event is not None
    assert (held.event.raw_code, held.event.raw_label) == ("pre-transit", "DELIVERED")
    assert held.event.status is TrackingStatus.info_received
    assert "pre-transit" in held.payload  # the original record travels with it


def test_ups_sample_placeholders_are_reported_not_invented() -> None:
    """The sample's weight unit "string" and its US local time cannot be trusted."""
    batch = run("ups", "ups/TrackingResponseJSON.json")
    assert batch.summary.quarantined == 1
    codes = {r.code for r in batch.held[0].reasons}
    assert codes == {ReasonCode.unit_unknown, ReasonCode.naive_timestamp}


@pytest.mark.parametrize(
    ("profile", "sample", "code"),
    [("dhl-unified", "dhl_universal/TrackingErrorResponseJSON.json", "404"),
     ("dhl-parcel-de", "dhl_parcel_de/TrackingErrorResponseXML.xml", "100"),
     ("dpd", "dpd/ErrorResponse.xml", "DELICOM_ERR_AUTHENTICATION"),
     ("gls", "gls/ErrorResponse.json", "E_404_01"),
     ("ups", "ups/InvalidTrackingNumberResponseJSON.json", "TV1002"),
     ("ups", "ups/TrackingNumberNotFoundResponseJSON.json", "TW0001"),
     ("hermes", "hermes/TrackingErrorResponse.json", "e001")],
)
def test_error_responses_are_reported_and_never_become_events(
    profile: str, sample: str, code: str
) -> None:
    """A carrier's error answer is a source error with its code and message, nothing else."""
    batch = run(profile, sample)
    assert [e.code for e in batch.source_errors] == [code]
    assert batch.source_errors[0].message
    assert batch.summary.total == 0


def test_the_same_scan_from_both_dhl_feeds_is_kept_once() -> None:
    """Parcel DE then Unified reporting one delivery: the second is a duplicate."""
    unified = (b'{"shipments": [{"id": "00340434161094015902", "events": [{"timestamp": '
               b'"2016-03-18T10:02:30", "statusCode": "delivered", "status": "The shipment '
               b'has been successfully delivered", "location": {"address": {"countryCode": '
               b'"DE", "addressLocality": "Bonn"}}}]}]}')
    first = TrackingPipeline("dhl-parcel-de", now=NOW)
    batch = first.process((FIXTURES / "dhl_parcel_de/TrackingResponseXML.xml").read_bytes())
    second = TrackingPipeline("dhl-unified", index=first.index, now=NOW).process(unified)
    assert batch.summary.accepted == 7
    assert second.summary.duplicates == 1 and second.summary.accepted == 0
