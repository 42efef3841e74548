"""`profile check` and `import` read a profile with one loader and agree about it."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from doorstep.adapters.importers.profile_check import check_profile
from doorstep.adapters.importers.profile_engine import ProfileError, load_profile
from doorstep.adapters.importers.tracking_pipeline import TrackingPipeline

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"
GLS_SAMPLE = FIXTURES / "gls" / "TrackingResponse.json"


def carrier(tmp_path: Path, *, source: str, code: str, status: str) -> Path:
    """A small user profile for GLS-shaped payloads, mapping one code."""
    path = tmp_path / f"{source}.yaml"
    path.write_text(f"""name: my-{source}
kind: tracking
format: json
source: {source}
records: "parcels[*]"
fields:
  tracking_number: {{path: unitno, required: true}}
collections:
  events:
    path: "events[*]"
    fields:
      raw_code: {{path: code, required: true}}
      status: {{from_field: raw_code, vocabulary: status, pattern: '^([A-Z]+)'}}
      timestamp: {{path: eventDateTime, type: datetime, required: true}}
vocabularies:
  status:
    unknown: unknown
    values:
      INTIAL: picked_up
      {code}: {status}
""")
    return path


def test_a_status_that_is_not_canonical_is_refused_with_file_and_line(tmp_path: Path) -> None:
    """`import` and `profile check` both load through the same loader: the bad value is
    named with the file and its line (line 20 of the file above), before any sample."""
    path = carrier(tmp_path, source="acme", code="INTRANSIT", status="on_its_way")
    with pytest.raises(ProfileError) as err:
        load_profile(path)
    assert f"{path}:20:" in str(err.value) and "not a canonical tracking status" in str(err.value)
    with pytest.raises(ProfileError):
        TrackingPipeline(str(path))


def test_codes_of_another_carrier_are_no_conflict_but_the_same_carriers_are(
        tmp_path: Path) -> None:
    """INTRANSIT meaning out-for-delivery at carrier acme is acme's business; a second
    GLS profile disagreeing with the built-in GLS profile is a conflict."""
    other = check_profile(load_profile(carrier(tmp_path, source="acme", code="INTRANSIT",
                                               status="out_for_delivery")),
                          GLS_SAMPLE.read_bytes())
    assert [f for f in other if f.kind == "conflict"] == []
    same = check_profile(load_profile(carrier(tmp_path, source="gls", code="INTRANSIT",
                                              status="out_for_delivery")),
                         GLS_SAMPLE.read_bytes())
    assert [(f.kind, f.field) for f in same if f.kind == "conflict"] == [("conflict", "status")]


@pytest.mark.parametrize(("profile", "sample"), [
    ("gls", "gls/ErrorResponse.json"),
    ("hermes", "hermes/TrackingErrorResponse.json"),
    ("postnl", "postnl/NoShipmentFound.json"),
    ("bpost", "bpost/ErrorResponse.xml"),
])
def test_an_error_answer_as_sample_is_reported_as_such_not_as_a_broken_profile(
        profile: str, sample: str) -> None:
    """The carrier's error answer yields one informational finding, no errors or warnings."""
    findings = check_profile(load_profile(profile), (FIXTURES / sample).read_bytes())
    assert findings and {f.kind for f in findings} == {"error response"}
    assert {f.severity for f in findings} == {"info"}


def test_check_honours_alternative_timestamp_fields(tmp_path: Path) -> None:
    """UPS sends a GMT pair or a local time: a sample with only the GMT pair raises no
    finding about the local one (and the import reads it without a reason either)."""
    sample = (FIXTURES / "ups" / "TrackingResponseJSON.json").read_text()
    findings = check_profile(load_profile("ups"), sample)
    stamp_fields = {"events.timestamp", "events.timestamp_gmt", "timestamp", "timestamp_gmt"}
    unmapped = {f.field for f in findings if f.kind == "unmapped"} & stamp_fields
    assert unmapped <= {"events.timestamp_gmt"}  # the sample really lacks the GMT pair


SAMPLES = [
    ("dhl-parcel-de", "dhl_parcel_de/TrackingResponseXML.xml", {}),
    ("dhl-unified", "dhl_universal/TrackingResponseJSON.json", {}),
    ("dpd", "dpd/TrackingResponse.xml", {"tracking_number": "01234567890123"}),
    ("gls", "gls/TrackingResponse.json", {}),
    ("hermes", "hermes/TrackingResponse.json", {}),
    ("ups", "ups/TrackingResponseJSON.json", {}),
    ("royal-mail", "royal_mail/TrackingResponse.json", {}),
    ("bpost", "bpost/TrackingResponse.xml", {}),
    ("postnl", "postnl/CompleteStatusResponse.json", {}),
]
PROFILE_CODES = {"unknown_status_code", "unknown_vocabulary_value", "unit_unknown",
                 "unit_parse_failed", "date_parse_failed", "naive_timestamp", "invalid_value",
                 "invalid_country"}


@pytest.mark.parametrize(("profile", "sample", "context"), SAMPLES,
                         ids=[s[0] for s in SAMPLES])
def test_what_import_holds_for_the_profile_check_names_as_an_error(
        profile: str, sample: str, context: dict[str, str]) -> None:
    """Every mapping problem the import holds an event for (unknown code, unit, date,
    zone) is an error in `profile check` on the same sample — a sample the check passes
    imports without profile errors."""
    payload = (FIXTURES / sample).read_bytes()
    loaded = load_profile(profile)
    errors = {f.message.split(":")[0] for f in check_profile(loaded, payload)
              if f.severity == "error"} | {f.field for f in check_profile(loaded, payload)
                                           if f.severity == "error"}
    batch = TrackingPipeline(loaded, now=datetime(2026, 11, 23, tzinfo=UTC)).process(
        payload, dict(context))
    held = {(r.code.value, r.field) for h in batch.held for r in h.reasons
            if r.code.value in PROFILE_CODES}
    for code, field in held:
        assert code in errors or field in errors, (code, field, errors)
    if not errors:
        assert not held
