"""Three carriers added by profile alone (no Python): Royal Mail, bpost and PostNL.

Each profile is checked on the carrier's real-format payload (tests/fixtures/carriers,
origin in ORIGIN.md) and on its error answer, which is a carrier error, never an event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from doorstep.adapters.importers.tracking_pipeline import TrackingBatch, TrackingPipeline
from doorstep.entrypoints.cli import app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def run(profile: str, sample: str) -> TrackingBatch:
    return TrackingPipeline(profile, now=NOW).process((FIXTURES / sample).read_bytes())


def test_royal_mail_events_keep_the_uk_offset_and_the_raw_code() -> None:
    """The mis-sort forward is in transit, at 09:04 UTC (10:04 BST), offset +60 kept."""
    batch = run("royal-mail", "royal_mail/TrackingResponse.json")
    assert not batch.held and not batch.source_errors
    (event,) = batch.accepted
    assert (event.tracking_number, event.raw_code, event.status.value) == (
        "090367574000000FE1E1B", "EVNMI", "in_transit")
    assert event.occurred_at == datetime(2016, 10, 20, 9, 4, tzinfo=UTC)
    assert event.utc_offset_minutes == 60
    assert (event.raw_text, event.location.description) == ("Forwarded - Mis-sort",
                                                            "Stafford DO")


def test_royal_mail_error_answer_is_a_carrier_error() -> None:
    """A refused request (E0004) yields no event and one carrier error naming it."""
    batch = run("royal-mail", "royal_mail/ErrorResponse.json")
    assert not batch.accepted and not batch.held
    assert [(e.code, e.message) for e in batch.source_errors] == [
        ("E0004", "Failed header validation for X-Accept-RMG-Terms")]


def test_bpost_scans_map_to_sorted_out_for_delivery_and_delivered() -> None:
    """Three state infos, in order, with the parcel's weight in grams on each."""
    batch = run("bpost", "bpost/TrackingResponse.xml")
    assert not batch.held
    assert [(e.raw_code, e.status.value) for e in batch.accepted] == [
        ("T00", "in_transit"), ("L00", "out_for_delivery"), ("U01", "delivered")]
    delivered = batch.accepted[-1]
    assert delivered.tracking_number == "323212345659900040669030"
    assert delivered.occurred_at == datetime(2012, 11, 23, 8, 31, 7, 427000, tzinfo=UTC)
    assert delivered.weight_g == 380 and delivered.reference == "TEST AUTOMATIC SORTER"


def test_bpost_system_exception_is_a_carrier_error_not_an_event() -> None:
    """The systemException answer is listed with its message."""
    batch = run("bpost", "bpost/ErrorResponse.xml")
    assert not batch.accepted and not batch.held
    (error,) = batch.source_errors
    assert error.message.startswith("An unexpected error occurred")


def test_postnl_history_skips_not_applicable_steps_and_reads_dutch_time() -> None:
    """Five real statuses from thirteen entries: the eight "99" steps are skipped and
    counted; naive Dutch times are read in Europe/Amsterdam."""
    batch = run("postnl", "postnl/CompleteStatusResponse.json")
    assert not batch.held
    assert [(e.raw_code, e.status.value) for e in batch.accepted] == [
        ("11", "delivered"), ("7", "out_for_delivery"), ("5", "in_transit"),
        ("2", "picked_up"), ("1", "info_received")]
    assert batch.skipped_milestones == 8
    delivered = batch.accepted[0]
    assert delivered.occurred_at == datetime(2021, 3, 26, 14, 6, 53, tzinfo=UTC)  # 15:06 CET
    assert (delivered.raw_label, delivered.weight_g) == ("Afgeleverd", 440)


def test_postnl_no_shipment_found_exits_non_zero_with_the_carriers_message() -> None:
    """`import tracking` on PostNL's "No shipment found" answer exits 1 and says so."""
    result = CliRunner().invoke(app, ["import", "tracking", "-p", "postnl", "--dry-run",
                                      str(FIXTURES / "postnl" / "NoShipmentFound.json")])
    assert result.exit_code == 1
    assert "No shipment found" in result.output
