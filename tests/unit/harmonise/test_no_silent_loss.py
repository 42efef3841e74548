"""No silent loss: a shipment record whose events sit where the profile does not look is
reported — counted as "no events" and named in a warning with the paths that matched
nothing — for every built-in tracking profile, and the counts still add up."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest

from doorstep.adapters.importers.profile_engine import builtin_profiles, load_profile
from doorstep.adapters.importers.tracking_pipeline import TrackingBatch, TrackingPipeline

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "carriers"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
SAMPLES = {
    "dhl-parcel-de": ("dhl_parcel_de/TrackingResponseXML.xml", {}),
    "dhl-unified": ("dhl_universal/TrackingResponseJSON.json", {}),
    "dpd": ("dpd/TrackingResponse.xml", {"tracking_number": "01234567890123"}),
    "gls": ("gls/TrackingResponse.json", {}),
    "hermes": ("hermes/TrackingResponse.json", {}),
    "ups": ("ups/TrackingResponseJSON.json", {}),
    "royal-mail": ("royal_mail/TrackingResponse.json", {}),
    "bpost": ("bpost/TrackingResponse.xml", {}),
    "postnl": ("postnl/CompleteStatusResponse.json", {}),
}
ROWS_ARE_EVENTS = {"carrier-csv"}  # one event per CSV row: nothing can nest in a row


def test_every_built_in_tracking_profile_is_covered_here() -> None:
    """A new built-in profile must join this test (or say why it cannot)."""
    assert set(builtin_profiles("tracking")) == set(SAMPLES) | ROWS_ARE_EVENTS


def _parent_json(node: Any, target: list[Any]) -> tuple[dict[str, Any], str] | None:
    if isinstance(node, dict):
        for key, value in node.items():
            if value is target:
                return node, key
            found = _parent_json(value, target)
            if found:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _parent_json(value, target)
            if found:
                return found
    return None


def _nest_away(profile_name: str, payload: bytes) -> tuple[bytes, int]:
    """The payload with the first record's events moved one level down, under "items";
    returns it and how many events that record produced before."""
    profile = load_profile(profile_name, "tracking")
    document = profile.parse(payload)
    records = profile.records.nodes(document) if profile.records else [document]
    record = records[0]
    (collection,) = profile.collections
    items = collection.item_nodes(record)
    assert items, f"{profile_name}: the sample's first record has events"
    produced = len(profile.extract_record(record, {}).collections[collection.name])
    if isinstance(document, ET.Element):
        parents = [p for p in record.iter() if any(child is items[0] for child in p)]
        parent = parents[0]
        holder = ET.SubElement(parent, "items")
        for item in items:
            parent.remove(item)
            holder.append(item)
        return ET.tostring(document), produced
    moved: set[int] = set()
    for item in items:  # JSON: each list holding events, found by identity, moved once
        (container,) = [c for c in _lists(record) if any(x is item for x in c)]
        found = _parent_json(record, container)
        if found is None or id(container) in moved:
            continue
        moved.add(id(container))
        parent, key = found
        parent["items"] = [{key: parent.pop(key)}]
    return json.dumps(document).encode(), produced


def _lists(node: Any) -> list[list[Any]]:
    out: list[list[Any]] = []
    if isinstance(node, dict):
        for value in node.values():
            out += _lists(value)
    elif isinstance(node, list):
        out.append(node)
        for value in node:
            out += _lists(value)
    return out


def _run(profile: str, payload: bytes, context: dict[str, str]) -> TrackingBatch:
    return TrackingPipeline(profile, now=NOW).process(payload, dict(context))


@pytest.mark.parametrize("profile", sorted(SAMPLES))
def test_events_nested_where_the_profile_does_not_look_are_reported_not_lost(
        profile: str) -> None:
    """The record shows up as "no events", named with the collection path that matched
    nothing and the list it holds instead; every other event is counted as before."""
    sample, context = SAMPLES[profile]
    payload = (FIXTURES / sample).read_bytes()
    before = _run(profile, payload, context)
    nested, moved = _nest_away(profile, copy.deepcopy(payload))
    after = _run(profile, nested, context)
    summary = after.summary
    assert summary.no_events == 1
    assert (summary.accepted + summary.quarantined + summary.duplicates
            == before.summary.total - moved)
    (warning,) = after.without_events
    collection = load_profile(profile, "tracking").collections[0]
    assert collection.path.text in warning.message and "items" in warning.message


def test_an_alternative_collection_path_finds_the_nested_events(tmp_path: Path) -> None:
    """The fix a merchant makes: `path: ["events[*]", "items[*].events[*]"]` reads the
    nested events, and nothing is reported missing any more."""
    text = (Path(load_profile("gls").path)).read_text()
    mine = tmp_path / "gls-nested.yaml"
    mine.write_text(text.replace('path: "events[*]"', 'path: ["events[*]", "items[*].events[*]"]')
                    .replace("name: gls", "name: gls-nested"))
    payload = (FIXTURES / "gls" / "TrackingResponse.json").read_bytes()
    nested, moved = _nest_away("gls", payload)
    batch = TrackingPipeline(str(mine), now=NOW).process(nested)
    assert batch.summary.no_events == 0 and batch.summary.total == moved
