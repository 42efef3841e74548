"""The tracking pipeline end to end: each fault kind held, duplicates kept once, release."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES
from doorstep.adapters.importers.tracking_index import DedupIndex
from doorstep.adapters.importers.tracking_pipeline import (
    ShipmentFacts,
    TrackingBatch,
    TrackingPipeline,
    parse_and_validate,
    revalidate,
)
from doorstep.adapters.importers.tracking_quarantine import hold_batch, tracking_release_hooks
from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.bootstrap import make_engine
from doorstep.domain.harmonise.reasons import ReasonCode
from doorstep.domain.harmonise.tracking import TrackingEvent, TrackingStatus
from doorstep.entrypoints.cli import app

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
HERMES = json.loads((FIXTURES / "hermes/TrackingResponse.json").read_text())
CSV_HEADER = "carrier,tracking_number,status,status_text,city,postcode,country,weight," \
             "weight_unit,timestamp\n"


def hermes(mutate: Any = None) -> str:
    """The real Hermes payload, optionally changed by ``mutate(info)``."""
    data = json.loads(json.dumps(HERMES))
    if mutate is not None:
        mutate(data["shipmentinfo"][0])
    return json.dumps(data)


def held_codes(batch: TrackingBatch) -> set[ReasonCode]:
    return {r.code for h in batch.held for r in h.reasons}


def process(payload: str, profile: str = "hermes", **kwargs: Any) -> TrackingBatch:
    return TrackingPipeline(profile, now=NOW, **kwargs).process(payload)


def test_the_clean_hermes_payload_is_accepted_whole() -> None:
    """Baseline for the fault tests below: four events, nothing held."""
    batch = process(hermes())
    assert (batch.summary.accepted, batch.summary.quarantined) == (4, 0)


@pytest.mark.parametrize(
    ("mutate", "code"),
    [(lambda i: i["status"][1].update(code="9999"), ReasonCode.unknown_status_code),
     (lambda i: i["status"][1].update(timestamp="2024-01-19T10:15:00"),
      ReasonCode.naive_timestamp),
     (lambda i: i["status"][1].update(timestamp="2024-01-19T10:15:00+05:00"),
      ReasonCode.timezone_mismatch),
     (lambda i: i["status"][1].update(timestamp="2024-02-30T10:15:00+01:00"),
      ReasonCode.impossible_date),
     (lambda i: i["status"][1].update(timestamp="1970-01-01T00:00:00+00:00"),
      ReasonCode.impossible_date),
     (lambda i: i["status"][1].update(timestamp="2027-01-19T10:15:00+01:00"),
      ReasonCode.future_timestamp),
     (lambda i: i["status"][1].update(description="The shipment has been delivered."),
      ReasonCode.mislabelled_status),
     (lambda i: i["status"][3].update(timestamp="2024-01-20T06:30:00+01:00"),
      ReasonCode.delivered_before_out_for_delivery),
     (lambda i: i.pop("shipmentID"), ReasonCode.missing_field)],
)
def test_each_fault_kind_is_held_with_its_reason(mutate: Any, code: ReasonCode) -> None:
    """A single injected fault sends the affected event to quarantine, with its reason."""
    batch = process(hermes(mutate))
    assert code in held_codes(batch)
    assert batch.summary.total == 4


def test_an_unknown_code_maps_to_unknown_and_keeps_the_raw_code() -> None:
    """Never guessed as in transit: status unknown, raw code and text kept."""
    batch = process(hermes(lambda i: i["status"][1].update(code="9999")))
    held = batch.held[0]
    assert held.event is not None
    assert (held.event.status, held.event.raw_code) == (TrackingStatus.unknown, "9999")
    assert held.event.raw_text == "The shipment has arrived at the Hermes distribution center."


def test_events_before_the_shipment_existed_are_held() -> None:
    """With the shipment's creation known, an earlier scan is implausible."""
    facts = ShipmentFacts(created_at=datetime(2024, 1, 19, tzinfo=UTC))
    batch = process(hermes(), shipments=lambda carrier, number: facts)
    assert held_codes(batch) == {ReasonCode.before_shipment_created}
    assert batch.summary.accepted == 3


def test_pounds_labelled_kilograms_are_held_against_the_packed_weight() -> None:
    """A CSV weight 2.2 times what we packed is caught as the lb/kg mix-up."""
    row = "acme,T1,delivered,Delivered,Bonn,53113,DE,{w},kg,2024-01-20T14:30:00+01:00\n"
    facts = ShipmentFacts(packed_weight_g=5_000)
    ok = process(CSV_HEADER + row.format(w="5.05"), "carrier-csv",
                 shipments=lambda c, n: facts)
    bad = process(CSV_HEADER + row.format(w="11.02"), "carrier-csv",
                  shipments=lambda c, n: facts)
    assert ok.summary.accepted == 1
    assert held_codes(bad) == {ReasonCode.weight_mismatch}


def test_a_truncated_payload_is_held_whole_with_its_original_text() -> None:
    """A cut-off payload yields no events and one held record carrying the text."""
    text = hermes()[:300]
    batch = process(text)
    assert held_codes(batch) == {ReasonCode.truncated_payload}
    assert json.loads(batch.held[0].payload)["payload"] == text
    assert batch.held[0].position is None


def test_a_truncated_csv_row_is_held_and_the_rows_before_it_are_kept() -> None:
    """Only the cut row is held; complete rows are imported."""
    rows = ("acme,T1,in_transit,Hub,Bonn,53113,DE,1,kg,2024-01-19T10:15:00+01:00\n"
            "acme,T1,out_for_delivery,Van,Bonn,53113,DE,1,kg,2024-01-20T07:00:00+01:00\n"
            "acme,T1,delivered,Delivered,Bonn")
    batch = process(CSV_HEADER + rows, "carrier-csv")
    assert batch.summary.accepted == 2
    assert ReasonCode.truncated_payload in held_codes(batch)
    assert [h.position for h in batch.held] == [2]


def test_a_second_delivery_of_the_same_payload_is_all_duplicates() -> None:
    """Webhook and poll delivering the same history: kept once, counted as duplicates."""
    index = DedupIndex()
    first = parse_and_validate("hermes", hermes(), index=index, now=NOW)
    again = parse_and_validate("hermes", hermes(), index=index, now=NOW)
    assert first.summary.accepted == 4
    assert (again.summary.accepted, again.summary.duplicates, again.summary.quarantined) == (
        0, 4, 0)


def test_same_minute_scans_in_different_countries_are_both_kept() -> None:
    """DPD's two failed attempts at 2:43:31 PM, in Mechelen and Aschaffenburg, are two."""
    batch = TrackingPipeline("dpd", now=NOW).process(
        (FIXTURES / "dpd/TrackingResponse.xml").read_bytes(), {"tracking_number": "0530"})
    failures = [e for e in batch.accepted if e.raw_code == "DeliveryFailure"]
    assert len(failures) == 2 and batch.summary.duplicates == 0


def test_delivered_and_failed_in_the_same_minute_from_two_feeds_contradict() -> None:
    """One feed says delivered, another says failed for the same minute: flagged."""
    index = DedupIndex()
    rows = "acme,T9,{s},x,Bonn,53113,DE,1,kg,2024-01-20T14:30:{sec}+01:00\n"
    parse_and_validate("carrier-csv", CSV_HEADER + rows.format(s="delivered", sec="05"),
                       index=index, now=NOW)
    other = parse_and_validate("carrier-csv", CSV_HEADER + rows.format(
        s="delivery_attempt_failed", sec="40"), index=index, now=NOW)
    assert held_codes(other) == {ReasonCode.contradictory_event}


def test_out_for_delivery_after_an_accepted_delivery_is_flagged_later() -> None:
    """Order contradictions are seen across imports, not only within one payload."""
    index = DedupIndex()
    parse_and_validate("hermes", hermes(), index=index, now=NOW)
    late = hermes(lambda i: i.update(status=[dict(i["status"][2],
                                                  timestamp="2024-01-21T07:00:00+01:00")]))
    batch = parse_and_validate("hermes", late, index=index, now=NOW)
    assert held_codes(batch) == {ReasonCode.delivered_before_out_for_delivery}


# --- quarantine round trip ---------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QuarantineStore]:
    engine = make_engine(f"sqlite:///{tmp_path}/q.db")
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    yield QuarantineStore(engine)
    engine.dispose()


def test_a_held_event_can_be_corrected_and_released_to_the_timeline(
    store: QuarantineStore,
) -> None:
    """Hold with reasons, correct the record in its envelope, release: the sink gets it."""
    delivered: list[TrackingEvent] = []
    validate, handover = tracking_release_hooks(delivered.extend, clock=lambda: NOW)
    store.register("tracking", validator=validate, handover=handover)
    batch = process(hermes(lambda i: i["status"][1].update(timestamp="2024-01-19T10:15:00")))
    (record_id,) = hold_batch(store, batch)
    record = store.get(record_id)
    assert [r.code for r in record.reasons] == [ReasonCode.naive_timestamp]

    envelope = json.loads(record.payload)
    envelope["record"]["status"][envelope["event_index"]]["timestamp"] = (
        "2024-01-19T10:15:00+01:00")
    store.correct(record_id, json.dumps(envelope), actor="ops")
    store.release(record_id, actor="ops")
    assert [(e.raw_code, e.occurred_at) for e in delivered] == [
        ("2000", datetime(2024, 1, 19, 9, 15, tzinfo=UTC))]


def test_revalidating_an_uncorrected_envelope_repeats_the_reasons() -> None:
    """Release without a fix is refused with the same reason."""
    batch = process(hermes(lambda i: i["status"][1].update(code="9999")))
    event, reasons = revalidate(batch.held[0].payload, now=NOW)
    assert event is not None and [r.code for r in reasons] == [ReasonCode.unknown_status_code]
    _, garbage = revalidate("not json", now=NOW)
    assert [r.code for r in garbage] == [ReasonCode.schema_invalid]


# --- CLI ---------------------------------------------------------------------------------


def test_import_tracking_dry_run_prints_the_summary_and_reasons() -> None:
    """The command maps and validates a real payload and explains each held event."""
    result = CliRunner().invoke(app, [
        "import", "tracking", "--profile", "dhl-unified", "--dry-run",
        str(FIXTURES / "dhl_universal/TrackingResponseJSON.json")])
    assert result.exit_code == 0, result.output
    assert "dhl-unified" in result.output and "mislabelled_status" in result.output


def test_import_tracking_lists_carrier_errors_instead_of_events() -> None:
    """An error response ("not found") is shown with its code and message and exits 1."""
    result = CliRunner().invoke(app, [
        "import", "tracking", "-p", "gls", "--dry-run", str(FIXTURES / "gls/ErrorResponse.json")])
    assert result.exit_code == 1, result.output
    assert "E_404_01" in result.output and "Resource Not Found" in result.output


def test_import_tracking_rejects_an_unknown_profile_clearly() -> None:
    """A misspelt profile name exits 2 and lists the known profiles."""
    result = CliRunner().invoke(app, [
        "import", "tracking", "-p", "dhl", "--dry-run", str(FIXTURES / "gls/ErrorResponse.json")])
    assert result.exit_code == 2
    assert "dhl-unified" in result.output


def test_now_defaults_to_the_wall_clock() -> None:
    """Without an injected clock, a scan from last year is not in the future."""
    stamp = (datetime.now(UTC) - timedelta(days=365)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    batch = TrackingPipeline("carrier-csv").process(
        CSV_HEADER + f"acme,T1,in_transit,Hub,Bonn,53113,DE,1,kg,{stamp}\n")
    assert batch.summary.accepted == 1


def test_an_xml_record_is_kept_as_text_and_revalidates_after_a_fix() -> None:
    """A Parcel DE event with 30 February is held; fixing the date in the envelope clears it."""
    xml = (FIXTURES / "dhl_parcel_de/TrackingResponseXML.xml").read_text()
    broken = xml.replace('event-timestamp="18.03.2016 10:02"', 'event-timestamp="30.02.2016 10:02"')
    batch = process(broken, "dhl-parcel-de")
    assert held_codes(batch) == {ReasonCode.impossible_date}
    envelope = json.loads(batch.held[0].payload)
    assert isinstance(envelope["record"], str) and "30.02.2016" in envelope["record"]
    envelope["record"] = envelope["record"].replace("30.02.2016 10:02", "18.03.2016 10:02")
    event, reasons = revalidate(json.dumps(envelope), now=NOW)
    assert reasons == [] and event is not None and event.raw_code == "ZU"
