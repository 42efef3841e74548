"""`profile check` and `import` read a profile with one loader and agree about it."""

from __future__ import annotations

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
