"""Lint a mapping profile against sample data (``doorstep profile check``).

A profile is only as good as its fit to real payloads.  The check runs the profile over
a sample and reports, per finding kind:

* ``unmapped``      canonical fields the profile does not map, and profile paths that
                    matched nothing in the sample (a typo or a different API version);
* ``unused``        sample fields no profile path reads (informational);
* ``vocabulary``    values with no vocabulary entry (they would be ``unknown`` / held);
* ``conflict``      a raw label mapped to different canonical values for the same field
                    by another built-in profile of the same kind and the same carrier
                    (``source``; DHL's two feeds must agree, DHL and GLS need not);
* ``parse``         unit and date parse failures (and other field findings).

An error response ("no shipment found") is reported as such and not linted further.
Alternative timestamp fields (``options.timestamp_fields``) count as one: a sample that
fills one of them raises no finding about the others, exactly as the import reads it.
Errors block (exit status 1); warnings and info do not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

from doorstep.adapters.importers.profile_engine import (
    CsvDocument,
    DocumentError,
    Profile,
    ProfileError,
    builtin_profiles,
    load_profile,
)

__all__ = ["Finding", "check_profile"]

_PARSE_CODES = frozenset({
    "unit_unknown", "unit_parse_failed", "date_parse_failed", "naive_timestamp",
    "impossible_date", "invalid_country", "invalid_value",
})  # fmt: skip
_VOCAB_CODES = frozenset({"unknown_vocabulary_value", "unknown_status_code"})


@dataclass(frozen=True, slots=True)
class Finding:
    """One lint result: severity (error|warning|info), kind, field and message."""

    severity: str
    kind: str
    field: str
    message: str


def check_profile(profile: Profile, sample: str | bytes) -> list[Finding]:
    """All findings for ``profile`` applied to ``sample``."""
    findings: list[Finding] = []
    try:
        document = profile.parse(sample)
    except DocumentError as exc:
        return [Finding("error", "parse", "payload", f"{exc.code}: {exc}")]
    answered = profile.source_errors(document)
    if answered:  # an error response: nothing to map, and nothing is wrong with the profile
        return [Finding("info", "error response", "payload",
                        f"the sample is an error answer: {e.code}: {e.message}")
                for e in answered]
    records = _records(profile, document)
    if not records:
        where = profile.records.text if profile.records is not None else "(document)"
        if profile.kind == "orders":
            where = str(profile.options.get("records") or where)
        findings.append(
            Finding("error", "unmapped", "records", f"the records path {where} matched nothing")
        )
    findings += _canonical_gaps(profile)
    findings += _empty_paths(profile, records)
    findings += _issues(records, _alternate_stamps(profile))
    findings += _conflicts(profile)
    findings += _unused(profile, document, records)
    return findings


def _records(profile: Profile, document: Any) -> list[Any]:
    """Records as the importer would read them (orders have their own records options)."""
    if profile.kind == "orders" and not isinstance(document, CsvDocument):
        from doorstep.adapters.importers.order_mapping import OrderMapper

        nodes = OrderMapper(profile).record_nodes(document)
        return [profile.extract_record(node, {}) for node in nodes]
    return list(profile.extract(document).records)


def _canonical_gaps(profile: Profile) -> list[Finding]:
    if profile.kind != "orders":
        return []
    from doorstep.adapters.importers.order_mapping import LINE_FIELDS, RECORD_FIELDS

    declared = {f.name for f in profile.record_fields}
    line_declared = {f.name for c in profile.collections for f in c.fields}
    out = [
        Finding("info", "unmapped", name, f"canonical order field {name!r} is not mapped")
        for name in RECORD_FIELDS
        if name not in declared
    ]
    out += [
        Finding("info", "unmapped", f"lines.{name}", f"canonical line field {name!r} is not mapped")
        for name in LINE_FIELDS
        if name not in line_declared
    ]
    return out


def _empty_paths(profile: Profile, records: list[Any]) -> list[Finding]:
    """Fields with a path that never yielded a value in the sample."""
    out: list[Finding] = []
    if not records:
        return out
    for spec in profile.record_fields:
        if spec.paths and all(spec.raw(r.node, {}) is None for r in records):
            paths = ", ".join(p.text for p in spec.paths)
            out.append(
                Finding(
                    "warning",
                    "unmapped",
                    spec.name,
                    f"path {paths} matched nothing (or only empty values) in the sample",
                )
            )
    for coll in profile.collections:
        items = [i for r in records for i in r.collections.get(coll.name, [])]
        if not items:
            out.append(
                Finding(
                    "warning",
                    "unmapped",
                    coll.name,
                    f"collection path {coll.path.text!r} matched nothing",
                )
            )
            continue
        stamps = _alternate_stamps(profile)
        stamped = stamps and any(i.values.get(n) is not None for i in items for n in stamps)
        for spec in coll.fields:
            if stamped and spec.name in stamps:
                continue  # another of the alternative timestamp fields carries the time
            if spec.paths and all(spec.raw(i.node, {}) is None for i in items):
                paths = ", ".join(p.text for p in spec.paths)
                out.append(
                    Finding(
                        "warning",
                        "unmapped",
                        f"{coll.name}.{spec.name}",
                        f"path {paths} matched nothing (or only empty values) in the sample",
                    )
                )
    return out


def _alternate_stamps(profile: Profile) -> frozenset[str]:
    """Timestamp fields of which the import takes the first present (one is enough)."""
    names = profile.options.get("timestamp_fields") or ()
    return frozenset(str(n) for n in names) if len(names) > 1 else frozenset()


def _issues(records: list[Any], stamps: frozenset[str] = frozenset()) -> list[Finding]:
    seen: set[tuple[str, str, str]] = set()
    out: list[Finding] = []
    for record in records:
        issues = list(record.issues)
        for items in record.collections.values():
            for item in items:
                if item.values.get("skip") is True:  # a line the importer leaves out
                    issues += [i for i in item.issues if i.field == "skip"]
                elif stamps and any(item.values.get(n) is not None for n in stamps):
                    issues += [i for i in item.issues if i.field not in stamps]
                else:
                    issues += item.issues
        for issue in issues:
            key = (issue.code, issue.field, issue.message)
            if key in seen:
                continue
            seen.add(key)
            if issue.code in _VOCAB_CODES:
                out.append(Finding("error", "vocabulary", issue.field, issue.message))
            elif issue.code in _PARSE_CODES:
                out.append(Finding("error", "parse", issue.field, f"{issue.code}: {issue.message}"))
            else:
                out.append(
                    Finding("warning", "record", issue.field, f"{issue.code}: {issue.message}")
                )
    return out


def _field_vocabularies(profile: Profile) -> dict[str, dict[str, str]]:
    """field name → {raw label (casefolded) → canonical} for fields with a vocabulary."""
    out: dict[str, dict[str, str]] = {}
    specs = list(profile.record_fields) + [f for c in profile.collections for f in c.fields]
    for spec in specs:
        if spec.vocabulary is not None:
            entries = spec.vocabulary.entries
            out.setdefault(spec.name, {}).update({k.casefold(): v for k, v in entries.items()})
    return out


def _conflicts(profile: Profile) -> list[Finding]:
    mine = _field_vocabularies(profile)
    if not mine:
        return []
    out: list[Finding] = []
    for name in builtin_profiles(profile.kind):
        try:
            other = load_profile(name, kind=profile.kind)
        except ProfileError as exc:
            out.append(Finding("warning", "conflict", name, f"cannot load to compare: {exc}"))
            continue
        if (Path(other.path).resolve() == Path(profile.path).resolve()
                or other.source != profile.source):
            continue  # another carrier's codes mean what that carrier says they mean
        theirs = _field_vocabularies(other)
        for field, entries in mine.items():
            for label, canonical in entries.items():
                their = theirs.get(field, {}).get(label)
                if their is not None and their != canonical:
                    out.append(
                        Finding(
                            "warning",
                            "conflict",
                            field,
                            f"{label!r} maps to {canonical!r} here "
                            f"but to {their!r} in {other.name}",
                        )
                    )
    return out


def _unused(profile: Profile, document: Any, records: list[Any]) -> list[Finding]:
    """Sample fields no path reads (JSON leaves and CSV columns; XML is skipped)."""
    if isinstance(document, CsvDocument):
        used = {p.text for f in _all_specs(profile) for p in f.paths}
        used |= {f.unit_path.text for f in _all_specs(profile) if f.unit_path is not None}
        return [
            Finding("info", "unused", col, f"column {col!r} is not read by the profile")
            for col in document.header
            if col not in used
        ]
    if isinstance(document, ET.Element) or not records:
        return []
    leaves: set[str] = set()
    for record in records[:20]:
        leaves |= set(_leaves(record.node, ""))
    texts = [p.text.replace("[*]", "[]") for f in _all_specs(profile) for p in f.paths]
    texts += [c.path.text.replace("[*]", "[]") for c in profile.collections]
    unused = sorted(leaf for leaf in leaves if not any(_covers(t, leaf) for t in texts))
    if not unused:
        return []
    shown = ", ".join(unused[:30]) + (" …" if len(unused) > 30 else "")
    return [
        Finding(
            "info",
            "unused",
            "(sample)",
            f"{len(unused)} sample field(s) not read by the profile: {shown}",
        )
    ]


def _all_specs(profile: Profile) -> Iterable[Any]:
    yield from profile.record_fields
    for coll in profile.collections:
        yield from coll.fields


def _leaves(node: Any, prefix: str) -> Iterable[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(node, list):
        for value in node:
            yield from _leaves(value, f"{prefix}[]")
    else:
        yield prefix


def _covers(path: str, leaf: str) -> bool:
    normal = re.sub(r"\[\d+\]", "[]", path)
    return leaf == normal or leaf.endswith("." + normal) or leaf.startswith(normal + ".")
