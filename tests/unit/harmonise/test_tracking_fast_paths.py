"""The hot-path shortcuts of the tracking intake agree with the general code they skip."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.adapters.importers.dates import DateError, DateParser
from doorstep.adapters.importers.field_fast import compile_fast_apply
from doorstep.adapters.importers.fields import FieldSpec, Issue, Vocabulary
from doorstep.adapters.importers.paths import compile_path
from doorstep.adapters.importers.tracking_index import DedupIndex, ShipmentJourney
from doorstep.adapters.importers.tracking_pipeline import TrackingPipeline
from doorstep.domain.harmonise.tracking import (
    Location,
    TrackingEvent,
    TrackingStatus,
    dedup_key,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _p(path: str) -> Any:
    return compile_path(path, "json")


def _vocab() -> Vocabulary:
    return Vocabulary("status", {"x|y": "delivered", "x": "in_transit", "y": "picked_up"},
                      unknown="unknown", prefix_separator="|")


# One field of each shape a profile can declare (joins, alternatives, from_field,
# skip_if, patterns, transforms, vocabularies and every conversion the feeds use).
SPECS = (
    FieldSpec("status", paths=(_p("a"), _p("b")), join_sep="|", vocabulary=_vocab()),
    FieldSpec("country", from_field="a", pattern=re.compile(r"\(([A-Z]{2})\)\s*$"),
              type="country"),
    FieldSpec("carrier", paths=(_p("a"),), transform="lower"),
    FieldSpec("label", paths=(_p("a"),), transform="strip", vocabulary=_vocab()),
    FieldSpec("weight", paths=(_p("a"),), type="weight", unit_path=_p("unit"), unit="kg"),
    FieldSpec("stamp", paths=(_p("a"), _p("b")), join_sep=" ", type="datetime",
              date_parser=DateParser(["%Y%m%d %H%M%S"], timezone="by_country"),
              country_field="country", required=True),
    FieldSpec("local", paths=(_p("a"),), type="datetime", skip_if="b",
              date_parser=DateParser(["%m/%d/%Y %I:%M:%S %p", "iso8601"],
                                     timezone="Europe/Berlin")),
    FieldSpec("count", paths=(_p("a"), _p("b")), type="int", required=True),
    FieldSpec("code", paths=(_p("a"), _p("b")), required=True),
    FieldSpec("where", paths=(_p("a"),), type="country", required=True),
    FieldSpec("upper", paths=(_p("a"),), transform="upper", pattern=re.compile(r"\w+")),
)
TEXTS = st.one_of(
    st.none(),
    st.sampled_from(["", "x", "y", "X|y", " x ", "DE", "Germany", "Hamburg (DE)", "Paris (FR) ",
                     "12,5", "3.2", "abc", "20261123 101500", "20260230 101500", "101500",
                     "2/30/2026 1:05:00 PM", "11/23/2026 13:05:00 PM", "11/23/2026 1:05:00 PM",
                     "2026-11-23T10:00:00", "2026-11-23T10:00:00+05:00", "kg", "lb", "g"]),
    st.text(max_size=6),
    st.integers(-5, 5),
)


@settings(max_examples=300, deadline=None)
@given(a=TEXTS, b=TEXTS, unit=TEXTS, country=st.sampled_from([None, "DE", "US", "XX"]))
def test_every_compiled_field_yields_what_the_general_apply_yields(
    a: Any, b: Any, unit: Any, country: str | None
) -> None:
    """For any input, a field's compiled apply gives the same value and the same issues."""
    node = {"a": a, "b": b, "unit": unit}
    record = {"a": a, "country": country}
    for spec in SPECS:
        general: dict[str, Any] = dict(record)
        general_issues: list[Issue] = []
        spec.apply(node, {}, general, general_issues)
        fast: dict[str, Any] = dict(record)
        fast_issues: list[Issue] = []
        compile_fast_apply(spec)(node, {}, fast, fast_issues)
        assert repr(fast) == repr(general), spec.name
        assert fast_issues == general_issues, spec.name


def _tree(shape: list[tuple[str, str | None, list[tuple[str, str | None]]]]) -> ET.Element:
    root = ET.Element("root")
    for tag, name, children in shape:
        child = ET.SubElement(root, tag, {} if name is None else {"n": name})
        for inner_tag, inner_name in children:
            ET.SubElement(child, inner_tag, {} if inner_name is None else {"n": inner_name})
    return root


_STEP = st.tuples(st.sampled_from(["a", "b"]), st.sampled_from([None, "1", "2"]))


@given(shape=st.lists(st.tuples(st.sampled_from(["a", "b"]), st.sampled_from([None, "1", "2"]),
                                st.lists(_STEP, max_size=3)), max_size=4))
def test_xml_child_step_paths_find_what_elementpath_finds(
    shape: list[tuple[str, str | None, list[tuple[str, str | None]]]]
) -> None:
    """Child steps with an attribute test select the same elements, in the same order."""
    root = _tree(shape)
    for path in ("a", "a/b", "a[@n='1']/b", "a/b[@n='2']", "b[@n='1']", 'a[@n="2"]/a'):
        assert compile_path(path, "xml").nodes(root) == root.findall(path), path


@settings(max_examples=300)
@given(day=st.integers(0, 32), month=st.integers(0, 13), hour=st.integers(0, 25),
       minute=st.integers(0, 61), pm=st.booleans())
def test_compiled_date_formats_accept_exactly_what_strptime_accepts(
    day: int, month: int, hour: int, minute: int, pm: bool
) -> None:
    """A numeric format read without strptime gives strptime's instant, or a finding."""
    cases = (("%d.%m.%Y %H:%M", f"{day:02d}.{month:02d}.2026 {hour:02d}:{minute:02d}"),
             ("%m/%d/%Y %I:%M:%S %p", f"{month}/{day}/2026 {hour}:{minute:02d}:07 "
                                      f"{'PM' if pm else 'AM'}"))
    for fmt, text in cases:
        try:
            expected: datetime | None = datetime.strptime(text, fmt).replace(tzinfo=UTC)
        except ValueError:
            expected = None
        try:
            found: datetime | None = DateParser([fmt], timezone="UTC").parse(text)
        except DateError as exc:
            assert exc.code in {"impossible_date", "date_parse_failed"}
            found = None
        assert found == expected, text


def test_a_held_event_envelope_is_exactly_the_json_of_its_parts() -> None:
    """The envelope joined around the event index is what json.dumps of it would write."""
    data = json.loads((FIXTURES / "hermes/TrackingResponse.json").read_text())
    for status in data["shipmentinfo"][0]["status"]:
        status["code"] = "9999"  # unknown everywhere: every event is held
    batch = TrackingPipeline("hermes", now=NOW).process(json.dumps(data), {"ref": "ü"})
    assert len(batch.held) == len(data["shipmentinfo"][0]["status"])
    for index, held in enumerate(batch.held):
        envelope = json.loads(held.payload)
        assert list(envelope) == ["profile", "profile_sha256", "context", "event_index",
                                  "record"]
        assert envelope["event_index"] == index
        assert held.payload == json.dumps(envelope, ensure_ascii=False)


def _event(status: TrackingStatus, minute: int) -> TrackingEvent:
    at = datetime(2026, 11, 20, 8, minute, tzinfo=UTC)
    return TrackingEvent("dhl", "dhl-unified", "00 340-1", status, at, "x",
                         location=Location(country="DE"))


def test_the_index_keeps_the_latest_scans_and_the_earliest_delivery() -> None:
    """Journeys keep the latest out-for-delivery and pickup and the first delivery."""
    index = DedupIndex()
    for status, minute in ((TrackingStatus.picked_up, 1), (TrackingStatus.picked_up, 3),
                           (TrackingStatus.out_for_delivery, 9),
                           (TrackingStatus.out_for_delivery, 5),
                           (TrackingStatus.delivered, 30), (TrackingStatus.delivered, 20),
                           (TrackingStatus.in_transit, 40)):
        event = _event(status, minute)
        index.remember(event, dedup_key(event))
    at = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert index.journey("dhl", "003401") == ShipmentJourney(
        at.replace(minute=9), at.replace(minute=3), at.replace(minute=20))
    again = _event(TrackingStatus.delivered, 20)
    assert index.is_duplicate(again, dedup_key(again))
