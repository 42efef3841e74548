"""Carrier payloads to canonical tracking events: parse → map → validate → dedup.

::

    payload ─parse─► document ─map (profile)─► events ─validate─► sequence ─dedup─► accepted
       │                 │                        │          │          │        └► duplicates
       │                 └► source errors         └──────────┴──────────┴──► held (reasons +
       └► truncated / malformed ─────────────────────────────────────────────►  original payload)

Every event ends in exactly one of accepted, duplicates or held; an error response
("no shipment found") is reported as a source error and never becomes an event.
Held events carry reason codes and a JSON envelope with the original record, so the
quarantine store can show, correct, re-validate (:func:`revalidate`) and release them.

Dependencies are injected: ``shipments`` answers when a shipment was created and what
it weighed when packed; ``index`` remembers accepted events across imports.  With a
``shipments`` lookup, a delivery scan for a parcel doorstep has not handed over, or dated
before the hand-over, is held for review (it must not complete an order by itself).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from xml.etree import ElementTree as ET

from doorstep.adapters.importers.profile_engine import (
    ExtractedItem,
    ExtractedRecord,
    Issue,
    Profile,
    ProfileError,
    load_profile,
    load_profile_copy,
)
from doorstep.adapters.importers.tracking_batch import (
    EventSink,
    HeldEvent,
    RecordWithoutEvents,
    ShipmentFacts,
    ShipmentLookup,
    TrackingBatch,
)
from doorstep.adapters.importers.tracking_index import DedupIndex
from doorstep.adapters.importers.tracking_zones import offset_mismatch
from doorstep.domain.harmonise.profile_copy import ProfileCopy
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.domain.harmonise.tracking import (
    EARLIEST_PLAUSIBLE,
    ExceptionReason,
    Location,
    TrackingEvent,
    TrackingStatus,
    check_delivery_handover,
    check_text_matches_status,
    check_timestamp,
    check_weight,
    dedup_key,
    parse_canonical_status,
    sequence_contradictions,
    text_claim,
)

__all__ = [
    "EventSink",
    "HeldEvent",
    "ShipmentFacts",
    "ShipmentLookup",
    "TrackingBatch",
    "TrackingPipeline",
    "parse_and_validate",
    "revalidate",
]

DEFAULT_MAX_WEIGHT_G = 31_500
_SEQUENCED = frozenset({TrackingStatus.delivered, TrackingStatus.out_for_delivery})
_FUTURE_SKEW = timedelta(minutes=15)
_CREATED_SKEW = timedelta(minutes=5)
_UNKNOWN: tuple[TrackingStatus, ExceptionReason | None] = (TrackingStatus.unknown, None)


def _reason(issue: Issue) -> Reason:
    if issue.code == "unknown_vocabulary_value" and issue.field == "status":
        return Reason(ReasonCode.unknown_status_code, issue.field, issue.message)
    try:
        code = ReasonCode(issue.code)
    except ValueError:
        code = ReasonCode.invalid_value
    return Reason(code, issue.field, issue.message)


def _status_table(profile: Profile) -> dict[str, tuple[TrackingStatus, ExceptionReason | None]]:
    """Every canonical value the profile's vocabularies produce (the loader checked each,
    naming its file and line)."""
    table: dict[str, tuple[TrackingStatus, ExceptionReason | None]] = {}
    for vocab in profile.vocabularies.values():
        for value in [*vocab.entries.values(), *([vocab.unknown] if vocab.unknown else [])]:
            table[value] = parse_canonical_status(value)
    return table


class TrackingPipeline:
    """A compiled profile plus validation settings; ``process`` handles one payload."""

    def __init__(
        self,
        profile: Profile | str,
        *,
        index: DedupIndex | None = None,
        shipments: ShipmentLookup | None = None,
        now: datetime | None = None,
        profiles_dir: str | None = None,
    ) -> None:
        self.profile = (load_profile(profile, "tracking", user_dir=profiles_dir)
                        if isinstance(profile, str) else profile)
        if self.profile.kind != "tracking":
            raise self.profile.error(("kind",), f"is {self.profile.kind!r}, expected a "
                                                "'tracking' profile")
        self.index = index if index is not None else DedupIndex()
        self.shipments = shipments
        self.now = now
        options = self.profile.options
        self.statuses = _status_table(self.profile)
        self.max_weight_g = int(options.get("max_weight_g", DEFAULT_MAX_WEIGHT_G))
        self.zero_weight_unknown = bool(options.get("zero_weight_means_unknown", False))
        self.timestamp_fields: tuple[str, ...] = tuple(options.get("timestamp_fields")
                                                       or ("timestamp",))
        self.refine = {TrackingStatus(k): frozenset(TrackingStatus(s) for s in v)
                       for k, v in (options.get("refine") or {}).items()}
        self._collections = tuple(c.name for c in self.profile.collections)
        self.group_by = options.get("group_by") == "tracking_number"  # checked by the loader
        """Process a parcel's events together, whichever records carried them (a feed
        with one row or entry per event): sequence checks then see the whole parcel."""
        self._name, self._source = self.profile.name, self.profile.source
        self._texts_agree: set[tuple[TrackingStatus, str | None, str | None]] = set()
        self._weights_agree: set[tuple[int, int | None]] = set()

    # -- one payload ----------------------------------------------------------------------

    def process(self, payload: str | bytes, context: dict[str, Any] | None = None) -> TrackingBatch:
        """Parse, map, validate and deduplicate one payload."""
        ctx = context or {}
        batch = TrackingBatch(self.profile.name, profile=self.profile.held_copy())
        extraction = self.profile.extract(payload, ctx)
        if extraction.document_issue is not None:
            text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
            digest = hashlib.sha256(text.encode()).hexdigest()[:16]
            batch.held.append(HeldEvent(
                f"{self.profile.name}:payload:{digest}", [_reason(extraction.document_issue)],
                json.dumps({"profile": self.profile.name, "profile_sha256": self.profile.sha256,
                            "context": ctx, "payload": text}),
            ))
            return batch
        batch.source_errors = extraction.source_errors
        now = self.now or datetime.now(UTC)
        position = 0
        groups: dict[str, list[ExtractedItem]] = {}
        for number, record in enumerate(extraction.records, start=1):
            if record.skipped:
                batch.skipped_milestones += sum(record.skipped.values())
            items = self._items_of(record)
            if not items:
                if not record.skipped:
                    batch.without_events.append(self._without_events(record, number))
            elif self.group_by:
                for item in items:
                    groups.setdefault(str(item.values.get("tracking_number") or ""),
                                      []).append(item)
            else:
                self._process_record(items, ctx, now, batch, position)
                position += len(items)
        for items in groups.values():  # one parcel's events, whichever record carried them
            self._process_record(items, ctx, now, batch, position)
            position += len(items)
        if batch.source_errors and position == 0:
            batch.without_events.clear()  # an error answer ("not found"), reported as such
        return batch

    def _items_of(self, record: ExtractedRecord) -> list[ExtractedItem]:
        names = self._collections
        if len(names) == 1:
            return record.collections[names[0]]
        return [i for c in names for i in record.collections[c]]

    def _without_events(self, record: ExtractedRecord, number: int) -> RecordWithoutEvents:
        """Name a record that produced no event, what was looked for, and what it holds."""
        key = str(record.values.get("tracking_number") or f"record {number}")
        tried = [p.text for c in self.profile.collections for p in (c.path, *c.alternatives)]
        found = _nested_lists(record.node)
        message = (f"{key}: no events — the collection path(s) {', '.join(tried)} matched "
                   "nothing in this record")
        if found:
            message += f"; it holds lists at {', '.join(found)}"
        return RecordWithoutEvents(key, message)

    def _process_record(self, items: list[ExtractedItem], ctx: dict[str, Any], now: datetime,
                        batch: TrackingBatch, first_position: int) -> None:
        built: list[tuple[int, TrackingEvent | None, list[Reason]]] = []
        carrier: str | None = None
        number: str | None = None
        facts: ShipmentFacts | None = None
        sequenced = False
        check, build = self._check_event, self.build_event
        for index, item in enumerate(items):
            event, reasons = build(item)
            if event is not None:
                if event.tracking_number != number or event.carrier != carrier:
                    carrier, number = event.carrier, event.tracking_number  # once per record
                    facts = self.shipments(carrier, number) if self.shipments else None
                event = check(event, now, facts, reasons)
                if not reasons and event.status in _SEQUENCED:
                    sequenced = True
            built.append((index, event, reasons))
        if sequenced:
            clean = [(i, e) for i, e, r in built if e is not None and not r]
            self._check_sequence(clean, built)
        envelopes: dict[int, tuple[str, str]] = {}
        for index, event, reasons in built:
            if event is not None and not reasons:
                key = dedup_key(event)
                if self.index.is_duplicate(event, key):
                    batch.duplicates.append(event)
                    continue
                other = self.index.conflicting_outcome(event, key)
                if other is None:
                    self.index.remember(event, key)
                    batch.accepted.append(event)
                    continue
                reasons.append(Reason(ReasonCode.contradictory_event, "status",
                                      f"{event.status.value} contradicts {other.value} "
                                      "accepted for the same parcel and minute"))
            item = items[index]
            record = item.record
            parts = envelopes.get(id(record))
            if parts is None:  # JSON stays structured, so an operator can edit it
                parts = envelopes[id(record)] = self._envelope_parts(
                    ctx, record.raw_text() if self.profile.format == "xml" else record.node)
            own = index if record is items[0].record and not self.group_by else next(
                n for n, other in enumerate(self._items_of(record)) if other is item)
            held = self._held(item, own, event, reasons, parts)
            held.position = first_position + index
            batch.held.append(held)

    def _check_sequence(self, clean: list[tuple[int, TrackingEvent]],
                        built: list[tuple[int, TrackingEvent | None, list[Reason]]]) -> None:
        by_shipment: dict[tuple[str, str], list[tuple[int, TrackingEvent]]] = {}
        for index, event in clean:
            by_shipment.setdefault((event.carrier, event.tracking_number), []).append(
                (index, event))
        for (carrier, number), pairs in by_shipment.items():
            journey = self.index.journey(carrier, number)
            events = [e for _, e in pairs]
            found = sequence_contradictions(
                events,
                last_out_for_delivery=journey.last_out_for_delivery if journey else None,
                last_picked_up=journey.last_picked_up if journey else None,
            )
            for position, reason in found.items():
                built[pairs[position][0]][2].append(reason)
            if journey is None or journey.first_delivered is None:
                continue
            for index, event in pairs:
                if (event.status is TrackingStatus.out_for_delivery
                        and event.occurred_at > journey.first_delivered):
                    built[index][2].append(Reason(
                        ReasonCode.delivered_before_out_for_delivery, "timestamp",
                        f"out for delivery at {event.occurred_at.isoformat()} after delivered "
                        f"at {journey.first_delivered.isoformat()}"))

    def _envelope_parts(self, ctx: dict[str, Any], record_copy: Any) -> tuple[str, str]:
        """The quarantine envelope around ``event_index``, serialised once per record.

        Every held event of a record shares profile, context and record; joining the
        two halves around the index gives exactly ``json.dumps`` of the whole envelope.
        """
        head = json.dumps({"profile": self.profile.name, "profile_sha256": self.profile.sha256,
                           "context": ctx},
                          ensure_ascii=False, default=str)
        record = json.dumps(record_copy, ensure_ascii=False, default=str)
        return head[:-1] + ', "event_index": ', ', "record": ' + record + "}"

    def _held(self, item: ExtractedItem, index: int, event: TrackingEvent | None,
              reasons: list[Reason], envelope: tuple[str, str]) -> HeldEvent:
        values = item.values
        stamp = event.occurred_at.isoformat() if event else str(index)
        key = (f"{self.profile.name}:{values.get('tracking_number') or '-'}:"
               f"{values.get('raw_code') or '-'}:{stamp}")
        return HeldEvent(key, reasons, f"{envelope[0]}{index}{envelope[1]}", event)

    # -- one event ------------------------------------------------------------------------

    def build_event(self, item: ExtractedItem) -> tuple[TrackingEvent | None, list[Reason]]:
        """Map one extracted item to a TrackingEvent; reasons list what is wrong with it."""
        values = item.values
        get = values.get
        issues = (item.record.issues + item.issues) if item.record.issues else item.issues
        stamp: datetime | None = None
        fields = self.timestamp_fields
        if len(fields) == 1:
            stamp = get(fields[0])
        else:
            for name in fields:
                if values.get(name) is not None:
                    stamp = values[name]
                    others = set(fields) - {name}
                    issues = [i for i in issues if i.field not in others]
                    break
        reasons = [_reason(i) for i in issues] if issues else []
        if self.zero_weight_unknown and get("weight") == 0:
            values["weight"] = None
        number, raw_code = get("tracking_number"), get("raw_code")
        if number is None or stamp is None or raw_code is None:
            if not reasons:
                reasons.append(Reason(ReasonCode.missing_field, "event",
                                      "tracking number, code or timestamp missing"))
            return None, reasons
        status, why = self.statuses.get(get("status") or "unknown", _UNKNOWN)
        offset = stamp.utcoffset() if type(stamp.tzinfo) is timezone else None
        event = TrackingEvent(  # positional: this runs once per event
            get("carrier") or self._source, self._name, str(number).strip(), status,
            stamp.astimezone(UTC), raw_code if type(raw_code) is str else str(raw_code),
            get("raw_text"), get("raw_label"), why,
            Location(get("city"), get("postcode"), get("country"), get("location")),
            int(offset.total_seconds() // 60) if offset is not None else None,
            get("weight"), get("reference"),
        )
        return event, reasons

    def validate_event(self, event: TrackingEvent, now: datetime,
                       facts: ShipmentFacts | None) -> tuple[TrackingEvent, list[Reason]]:
        """Plausibility of one event on its own (time, zone, weight, text against code).

        Returns the event — with its status sharpened where the profile's ``refine``
        option allows a coarse code to take an unambiguous text's status — and reasons.
        """
        reasons: list[Reason] = []
        return self._check_event(event, now, facts, reasons), reasons

    def _check_event(self, event: TrackingEvent, now: datetime, facts: ShipmentFacts | None,
                     reasons: list[Reason]) -> TrackingEvent:
        """``validate_event`` appending to ``reasons`` (no list per event on the hot path)."""
        created = facts.created_at if facts else None
        at = event.occurred_at
        # The usual case in three comparisons; the domain rule names what is wrong.
        if not (EARLIEST_PLAUSIBLE <= at <= now + _FUTURE_SKEW
                and (created is None or at >= created - _CREATED_SKEW)):
            found = check_timestamp(at, now=now, created_at=created,
                                    future_skew=_FUTURE_SKEW, created_skew=_CREATED_SKEW)
            if found is not None:
                reasons.append(found)
        if event.status is TrackingStatus.delivered and self.shipments is not None:
            early = check_delivery_handover(at, shipment_known=facts is not None,
                                            handed_over=created)
            if early is not None:
                reasons.append(early)
        if event.utc_offset_minutes and event.location.country:
            mismatch = offset_mismatch(event)
            if mismatch is not None:
                reasons.append(mismatch)
        if event.weight_g is not None:
            weights = (event.weight_g, facts.packed_weight_g if facts else None)
            if weights not in self._weights_agree:  # every event of a parcel repeats it
                bad_weight = check_weight(weights[0], max_g=self.max_weight_g,
                                          packed_g=weights[1])
                if bad_weight is not None:
                    reasons.append(bad_weight)
                elif len(self._weights_agree) < 50_000:
                    self._weights_agree.add(weights)
        refinable = self.refine.get(event.status)
        if refinable:
            for text in (event.raw_label, event.raw_text):
                claimed = text_claim(text) if text else None
                if claimed in refinable:
                    event = dataclasses.replace(event, status=claimed)
                    break
        texts = (event.status, event.raw_label, event.raw_text)
        if texts not in self._texts_agree:  # carriers repeat a small set of texts
            label = check_text_matches_status(*texts)
            if label is not None:
                reasons.append(label)
            elif len(self._texts_agree) < 50_000:
                self._texts_agree.add(texts)
        return event


def _nested_lists(node: Any, prefix: str = "", depth: int = 0) -> list[str]:
    """Where a JSON record (or XML element) holds repeated structures: the likely events."""
    found: list[str] = []
    if depth > 4 or len(found) > 8:
        return found
    if isinstance(node, dict):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(value, list) and any(isinstance(v, dict) for v in value):
                found.append(f"{path}[*]")
                for item in value[:1]:
                    found += _nested_lists(item, f"{path}[*]", depth + 1)
            elif isinstance(value, dict):
                found += _nested_lists(value, path, depth + 1)
    elif isinstance(node, ET.Element):
        tags = [child.tag.rpartition("}")[2] for child in node]
        found += [f"{prefix}{t}" for t in sorted({t for t in tags if tags.count(t) > 1})]
        for child in node:
            if len(child):
                found += _nested_lists(child, f"{prefix}{child.tag.rpartition('}')[2]}/",
                                       depth + 1)
    return sorted(set(found))[:8]


def parse_and_validate(
    profile: Profile | str,
    payload: str | bytes,
    *,
    context: dict[str, Any] | None = None,
    index: DedupIndex | None = None,
    shipments: ShipmentLookup | None = None,
    now: datetime | None = None,
) -> TrackingBatch:
    """One payload through the whole pipeline (what the carrier webhook calls)."""
    return TrackingPipeline(profile, index=index, shipments=shipments, now=now).process(
        payload, context)


def revalidate(
    envelope: str, *, shipments: ShipmentLookup | None = None, now: datetime | None = None,
    profiles_dir: str | None = None, profile: ProfileCopy | None = None,
) -> tuple[TrackingEvent | None, list[Reason]]:
    """Re-check a held event from its (possibly corrected) quarantine envelope, with the
    envelope's profile by name or, when given, the kept ``profile`` it was held under.

    Duplicate and sequence checks need the live index and are left to the import that
    receives the released event; everything about the event itself is checked here.
    """
    try:
        data = json.loads(envelope)
        pipeline = TrackingPipeline(
            load_profile_copy(profile, "tracking") if profile is not None
            else str(data["profile"]), shipments=shipments, now=now, profiles_dir=profiles_dir)
        ctx = dict(data.get("context") or {})
        if "record" not in data:
            batch = pipeline.process(str(data["payload"]), ctx)
            if batch.held:
                return None, batch.held[0].reasons
            if not batch.accepted:
                return None, [Reason(ReasonCode.missing_field, "payload", "no event in payload")]
            return batch.accepted[0], []
        mapping = pipeline.profile
        stored = data["record"]
        if not isinstance(stored, str):
            node = stored  # a JSON record or CSV row, kept structured
        else:
            node = json.loads(stored) if mapping.format == "csv" else mapping.parse(stored)
        record = mapping.extract_record(node, ctx)
        items = [i for c in mapping.collections for i in record.collections[c.name]]
        item = items[int(data["event_index"])]
    except (ValueError, KeyError, IndexError, TypeError, ProfileError) as exc:
        return None, [Reason(ReasonCode.schema_invalid, "payload",
                             f"not a tracking quarantine envelope: {exc}")]
    event, reasons = pipeline.build_event(item)
    if event is None:
        return None, reasons
    facts = shipments(event.carrier, event.tracking_number) if shipments else None
    event, more = pipeline.validate_event(event, now or datetime.now(UTC), facts)
    return event, reasons + more
