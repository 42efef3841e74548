"""A compiled mapping profile and what it extracts from one payload.

::

    payload ──parse──► document ──errors──► SourceError …   (carrier "not found" etc.)
                          │
                          └─records──► ExtractedRecord (record fields)
                                           └─collections──► ExtractedItem (item fields)

A *record* is one shipment (tracking) or one order; a *collection* is a list
inside it (tracking events, order lines).  Item values see the record's values
too, so an event knows its shipment's tracking number.  Nothing raises per
record: field problems are :class:`Issue` entries, a broken payload is a
document-level issue, and an error response is a :class:`SourceError`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from doorstep.adapters.importers.documents import CsvDocument, DocumentError, parse_document
from doorstep.adapters.importers.edifact import parse_interchange
from doorstep.adapters.importers.field_fast import Apply, compile_fast_apply
from doorstep.adapters.importers.fields import FieldSpec, Issue, Vocabulary
from doorstep.adapters.importers.paths import CompiledPath
from doorstep.adapters.importers.profile_errors import KeyLines, ProfileError, located
from doorstep.domain.harmonise.profile_copy import ProfileCopy

__all__ = [
    "CollectionSpec",
    "ErrorRule",
    "ExtractedItem",
    "ExtractedRecord",
    "Extraction",
    "Profile",
    "SourceError",
]


@dataclass(frozen=True, slots=True)
class SourceError:
    """An error response from the source (e.g. "no shipment found"): never an event."""

    code: str
    message: str
    reference: str | None = None


@dataclass(slots=True)
class ExtractedItem:
    """One item (tracking event, order line) with its values and findings."""

    values: dict[str, Any]
    issues: list[Issue]
    node: Any
    record: ExtractedRecord

    def raw_text(self) -> str:
        """The item's original fragment, for the quarantine store."""
        return fragment_text(self.node)


@dataclass(slots=True)
class ExtractedRecord:
    """One record (shipment, order) with its values, findings and collections."""

    values: dict[str, Any]
    issues: list[Issue]
    node: Any
    collections: dict[str, list[ExtractedItem]] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    """Per collection, items left out by its ``where`` filter."""

    def raw_text(self) -> str:
        """The record's original fragment, for the quarantine store."""
        return fragment_text(self.node)


@dataclass(slots=True)
class Extraction:
    """Everything one payload yielded; ``document_issue`` set means nothing was read."""

    records: list[ExtractedRecord] = field(default_factory=list)
    source_errors: list[SourceError] = field(default_factory=list)
    document_issue: Issue | None = None


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """A list inside a record (``path``, relative to the record) and its item fields.

    ``where`` keeps only items whose value at ``where[0]`` equals ``where[1]`` (DPD
    lists milestones not yet reached beside real scans); ``skip`` leaves out items whose
    value at ``skip[0]`` is one of ``skip[1]`` (PostNL's status 99 "not applicable").
    Skipped items are counted on the record, never silently lost.  ``alternatives`` are
    further paths tried in order when ``path`` matches nothing (a carrier that nests its
    events differently for some parcels).
    """

    name: str
    path: CompiledPath
    fields: tuple[FieldSpec, ...]
    where: tuple[CompiledPath, str] | None = None
    plan: tuple[tuple[str, Any, Any], ...] = ()
    """Per field: name, a direct getter when it is plain text, and its (fast) apply."""
    skip: tuple[CompiledPath, frozenset[str]] | None = None
    alternatives: tuple[CompiledPath, ...] = ()

    def item_nodes(self, record: Any) -> list[Any]:
        """The collection's nodes in ``record``: from the first path that matches any."""
        nodes = self.path.nodes(record)
        for other in self.alternatives:
            if nodes:
                break
            nodes = other.nodes(record)
        return nodes

    def __post_init__(self) -> None:
        plan = tuple((f.name, f.plain_getter(), compile_fast_apply(f)) for f in self.fields)
        object.__setattr__(self, "plan", plan)


@dataclass(frozen=True, slots=True)
class ErrorRule:
    """Recognises an error response: for each node at ``each`` where ``when`` is present
    (and ``unless`` is absent), report ``code``/``message``/``reference``."""

    each: CompiledPath
    when: CompiledPath
    unless: CompiledPath | None
    code: tuple[CompiledPath, ...]
    message: tuple[CompiledPath, ...]
    reference: tuple[CompiledPath, ...]


def _first(paths: tuple[CompiledPath, ...], node: Any) -> str | None:
    for path in paths:
        value = path.one(node)
        if value is not None and value != "" and not isinstance(value, ET.Element):
            return str(value)
    return None


def fragment_text(node: Any) -> str:
    """Serialise a JSON node, XML element or CSV row back to text."""
    if isinstance(node, ET.Element):
        return ET.tostring(node, encoding="unicode")
    return json.dumps(node, ensure_ascii=False, default=str)


@dataclass(slots=True)
class Profile:
    """A loaded, compiled mapping profile (build it with ``load_profile``)."""

    name: str
    kind: str
    format: str
    source: str
    path: Path
    description: str
    records: CompiledPath | None
    record_fields: tuple[FieldSpec, ...]
    collections: tuple[CollectionSpec, ...]
    vocabularies: dict[str, Vocabulary]
    error_rules: tuple[ErrorRule, ...]
    namespaces: dict[str, str]
    options: dict[str, Any]
    csv_delimiter: str = ","
    documentation: tuple[str, ...] = ()
    sha256: str = ""
    """The profile file's content hash: a held record names the profile it was held under."""
    text: str = ""
    """The file's text as loaded, kept with held records (see ``held_copy``)."""
    record_applies: tuple[Apply, ...] = ()
    """Each record field's ``apply``, compiled once for its shape (see ``field_fast``)."""
    lines: KeyLines = field(default_factory=dict)
    """Where each key stands in the file, so later checks can name the line too."""

    def held_copy(self) -> ProfileCopy | None:
        """This profile as a quarantined record keeps it (None for one built in memory)."""
        if not self.text:
            return None
        return ProfileCopy(self.name, self.path.name, self.text, self.sha256)

    def error(self, keys: tuple[str, ...], message: str) -> ProfileError:
        """A :class:`ProfileError` at ``file:line`` of ``keys`` (or the key enclosing it):
        for checks made after loading (a mapper's known field names, the kind expected)."""
        return located(self.path, self.lines, keys, message)

    def __post_init__(self) -> None:
        self.record_applies = tuple(compile_fast_apply(f) for f in self.record_fields)

    def field_names(self) -> set[str]:
        """Every field name the profile produces (record and item fields)."""
        names = {f.name for f in self.record_fields}
        for coll in self.collections:
            names.update(f.name for f in coll.fields)
        return names

    def parse(self, payload: str | bytes) -> Any:
        """Parse ``payload`` in this profile's format (raises DocumentError)."""
        if self.format == "edifact":
            return parse_interchange(payload)
        return parse_document(payload, self.format, csv_delimiter=self.csv_delimiter)

    def extract(
        self, payload: str | bytes | Any, context: dict[str, Any] | None = None
    ) -> Extraction:
        """Map one payload (text, or an already parsed JSON object) to records."""
        ctx = context or {}
        result = Extraction()
        if isinstance(payload, str | bytes):
            try:
                document = self.parse(payload)
            except DocumentError as exc:
                result.document_issue = Issue(exc.code, "payload", str(exc))
                return result
        else:
            document = payload
        result.source_errors = self.source_errors(document)
        if isinstance(document, CsvDocument):
            for index, row in enumerate(document.rows):
                record = self.extract_record(row, ctx)
                bad = document.bad_rows.get(index)
                if bad is not None:
                    record.issues.append(Issue(bad[0], "payload", bad[1]))
                result.records.append(record)
            return result
        nodes = [document] if self.records is None else self.records.nodes(document)
        for node in nodes:
            result.records.append(self.extract_record(node, ctx))
        return result

    def source_errors(self, document: Any) -> list[SourceError]:
        """Error responses in ``document`` according to the profile's error rules."""
        if isinstance(document, CsvDocument):
            return []
        errors: list[SourceError] = []
        for rule in self.error_rules:
            for node in rule.each.nodes(document):
                marker = rule.when.one(node)
                if marker is None or marker == "":
                    continue
                if rule.unless is not None and rule.unless.one(node) not in (None, "", []):
                    continue
                errors.append(
                    SourceError(
                        code=_first(rule.code, node) or "error",
                        message=_first(rule.message, node) or "error response without message",
                        reference=_first(rule.reference, node),
                    )
                )
        return errors

    def extract_record(self, node: Any, context: dict[str, Any]) -> ExtractedRecord:
        """Apply record fields and every collection to one record node."""
        values: dict[str, Any] = {}
        issues: list[Issue] = []
        for apply in self.record_applies:
            apply(node, context, values, issues)
        record = ExtractedRecord(values, issues, node)
        for coll in self.collections:
            items: list[ExtractedItem] = []
            append = items.append
            skipped = 0
            plan = coll.plan
            marker_of, wanted = coll.where if coll.where is not None else (None, "")
            skip_of, unwanted = coll.skip if coll.skip is not None else (None, frozenset())
            for item_node in coll.item_nodes(node):
                if marker_of is not None and str(marker_of.one(item_node)).lower() != wanted:
                    skipped += 1
                    continue
                if skip_of is not None and str(skip_of.one(item_node)) in unwanted:
                    skipped += 1
                    continue
                item_values = values.copy()
                item_issues: list[Issue] = []
                for name, getter, apply in plan:
                    if getter is not None:  # plain text field: no call into the spec
                        raw = getter(item_node)
                        if type(raw) is str and raw:
                            item_values[name] = raw
                            continue
                    apply(item_node, context, item_values, item_issues)
                append(ExtractedItem(item_values, item_issues, item_node, record))
            record.collections[coll.name] = items
            if skipped:
                record.skipped[coll.name] = skipped
        return record
