"""What the profile language can now say: a field inside a join, a time zone named by a
field (abbreviations mapped explicitly), an optional pattern, and a parcel's events
processed together whichever records carry them."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from doorstep.adapters.importers.profile_engine import ProfileError, load_profile
from doorstep.adapters.importers.tracking_pipeline import TrackingPipeline, revalidate
from doorstep.domain.harmonise.reasons import ReasonCode

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

FLAT = """name: flat
kind: tracking
format: json
source: flat
records: "scans[*]"
zones: {{EST: "-05:00", CET: Europe/Berlin}}
fields:
  tracking_number: {{path: tn, required: true}}
  zone: tz
collections:
  events:
    path: "."
    fields:
      raw_code: {{path: code, required: true}}
      detail: {{path: detail, pattern: '^([A-Z]+)', pattern_optional: true}}
      status:
        join: [{{field: raw_code}}, detail]
        sep: "/"
        vocabulary: status
      timestamp:
        path: at
        type: datetime
        formats: ["%Y-%m-%d %H:%M"]
        timezone: {{field: zone}}
        required: true
vocabularies:
  status:
    unknown: unknown
    prefix_separator: "/"
    values:
      OFD: out_for_delivery
      DLV: delivered
      DLV/NEIGHBOUR: delivered
{options}
"""


def flat(tmp_path: Path, *, options: str = "") -> str:
    path = tmp_path / "flat.yaml"
    path.write_text(FLAT.format(options=options))
    return str(path)


def scan(tn: str, code: str, at: str, tz: str, detail: str = "") -> dict[str, str]:
    return {"tn": tn, "code": code, "at": at, "tz": tz, "detail": detail}


def test_a_zone_abbreviation_is_read_only_as_the_profile_maps_it(tmp_path: Path) -> None:
    """EST is -05:00 because the profile says so (kept as the carrier's offset); a zone
    name works as is; an abbreviation the profile does not map is held, never guessed."""
    payload = {"scans": [scan("A1", "OFD", "2026-11-20 08:00", "EST"),
                         scan("A2", "OFD", "2026-11-20 08:00", "America/Chicago"),
                         scan("A3", "OFD", "2026-11-20 08:00", "XST")]}
    batch = TrackingPipeline(flat(tmp_path), now=NOW).process(json.dumps(payload))
    by_number = {e.tracking_number: e for e in batch.accepted}
    assert by_number["A1"].occurred_at == datetime(2026, 11, 20, 13, 0, tzinfo=UTC)
    assert by_number["A1"].utc_offset_minutes == -300
    assert by_number["A2"].occurred_at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    (held,) = batch.held
    assert held.reasons[0].code is ReasonCode.naive_timestamp
    assert "'XST'" in held.reasons[0].message and "EST" in held.reasons[0].message


def test_a_join_reads_an_earlier_field_and_an_optional_pattern_keeps_other_text(
        tmp_path: Path) -> None:
    """status = raw_code/detail: DLV/NEIGHBOUR via the join; "neighbour 12" does not match
    the optional pattern and is kept whole (so DLV/neighbour 12 falls back to DLV), no
    issue raised for it."""
    payload = {"scans": [scan("B1", "DLV", "2026-11-20 10:00", "CET", "NEIGHBOUR"),
                         scan("B2", "DLV", "2026-11-20 10:00", "CET", "neighbour 12")]}
    batch = TrackingPipeline(flat(tmp_path), now=NOW).process(json.dumps(payload))
    assert not batch.held
    assert [(e.tracking_number, e.status.value) for e in batch.accepted] == [
        ("B1", "delivered"), ("B2", "delivered")]


def test_a_zone_target_that_is_no_zone_is_refused_at_load_with_its_line(
        tmp_path: Path) -> None:
    """zones: {EST: Mars/Olympus} is a profile mistake, named with the file."""
    path = tmp_path / "bad.yaml"
    path.write_text(FLAT.format(options="").replace('EST: "-05:00"', "EST: Mars/Olympus"))
    with pytest.raises(ProfileError, match="Mars/Olympus"):
        load_profile(path)


def test_group_by_tracking_number_holds_each_event_with_its_own_record(
        tmp_path: Path) -> None:
    """With one entry per scan, `group_by: tracking_number` checks a parcel's scans
    together: delivered at 10:00 but out for delivery at 11:00 contradict; the held scan's
    envelope is its own (third) entry, so revalidating it finds the same event."""
    payload = {"scans": [scan("C1", "OFD", "2026-11-20 11:00", "CET"),
                         scan("C9", "OFD", "2026-11-20 09:00", "CET"),
                         scan("C1", "DLV", "2026-11-20 10:00", "CET")]}
    path = flat(tmp_path, options="options: {group_by: tracking_number}")
    batch = TrackingPipeline(path, now=NOW).process(json.dumps(payload))
    assert [(e.tracking_number, e.raw_code) for e in batch.accepted] == [
        ("C1", "OFD"), ("C9", "OFD")]
    (held,) = batch.held
    assert held.reasons[0].code is ReasonCode.delivered_before_out_for_delivery
    envelope = json.loads(held.payload)
    assert envelope["record"]["tn"] == "C1" and envelope["record"]["code"] == "DLV"
    event, _ = revalidate(held.payload, now=NOW, profiles_dir=str(tmp_path))
    assert event is not None and (event.tracking_number, event.raw_code) == ("C1", "DLV")


def test_group_by_accepts_only_tracking_number(tmp_path: Path) -> None:
    """Any other grouping is a profile error at its line."""
    with pytest.raises(ProfileError, match=r"flat.yaml:\d+: options.group_by"):
        load_profile(flat(tmp_path, options="options: {group_by: city}"))
