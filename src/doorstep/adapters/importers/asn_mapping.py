"""Despatch-advice payloads to :class:`Advice` objects through an ``asn`` mapping profile.

The profile engine extracts named values (the profile says where they live in an EDIFACT
message, an EPCIS event or a CSV row); this module knows what the names mean::

    records (EDIFACT messages, EPCIS events, CSV rows)
      └─ grouped by advice number ─► Advice (number, supplier GLN, PO, function, lines)
    items of the collections ``lines`` / ``child_quantities`` / ``quantities`` (counts)
    and ``child_epcs`` / ``epcs`` (one unit per SGTIN) ─► AdviceLine

GS1 spellings are normalised here, once for every format: EPC URIs to GTIN/SSCC digits,
``sgln``/``pgln`` URIs to GLNs, a lot from an ``lgtin`` class, the PO and advice numbers
from EPCIS business transactions (CBV types ``po`` and ``desadv``; the last ``/`` or ``:``
separated part of the identifier).  EPCIS events whose bizStep is not shipping are left
out and counted.  Engine findings (a missing quantity, an unreadable date) become
:class:`Finding`s on the advice; nothing raises per record.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from stdnum import ean

from doorstep.adapters.importers.profile_engine import (
    DocumentError,
    ExtractedItem,
    ExtractedRecord,
    Profile,
    fragment_text,
    load_profile,
)
from doorstep.domain.gs1 import key_from_epc
from doorstep.domain.receiving.model import Advice, AdviceLine
from doorstep.domain.receiving.reasons import Finding, ReceivingReason

__all__ = ["MappedAdvice", "MappingResult", "check_asn_profile", "load_asn_profile", "map_advices"]

R = ReceivingReason
COUNT_COLLECTIONS = ("lines", "child_quantities", "quantities")
EPC_COLLECTIONS = ("child_epcs", "epcs")
RECORD_FIELDS = frozenset({
    "advice_number", "function", "po_number", "supplier_gln", "ship_to_gln", "despatched_at",
    "event_type", "biz_step", "biz_transactions", "biz_transaction_types", "sscc",
})  # fmt: skip
LINE_FIELDS = frozenset({
    "line_no", "gtin", "epc_class", "epc", "quantity", "unit", "sscc", "lot", "best_before",
    "weight", "po_number",
})  # fmt: skip


@dataclass(slots=True)
class MappedAdvice:
    """One advice as mapped, with its mapping findings and original text."""

    advice: Advice
    findings: list[Finding]
    payload: str
    content_hash: str


@dataclass(slots=True)
class MappingResult:
    advices: list[MappedAdvice] = field(default_factory=list)
    document_issue: Finding | None = None
    skipped_events: int = 0
    """EPCIS events left out because their bizStep is not shipping."""


def load_asn_profile(name_or_path: str, user_dir: str | None = None) -> Profile:
    """An ``asn`` profile whose field names this mapper knows (raises ProfileError): by
    name — the merchant's in ``user_dir`` (``DOORSTEP_PROFILES_DIR``) first, then the
    built-in ones — or by file path."""
    return check_asn_profile(load_profile(name_or_path, kind="asn", user_dir=user_dir))


def check_asn_profile(profile: Profile) -> Profile:
    """``profile`` if it maps only the collections and fields an advice has, else a
    :class:`ProfileError` at the line of the first stranger (``profile check`` asks too)."""
    for coll in profile.collections:
        if coll.name not in COUNT_COLLECTIONS + EPC_COLLECTIONS:
            known = ", ".join(COUNT_COLLECTIONS + EPC_COLLECTIONS)
            raise profile.error(("collections", coll.name),
                                f"not an advice collection (known: {known})")
    strangers: list[tuple[str, ...]] = [("fields", f.name) for f in profile.record_fields
                                        if f.name not in RECORD_FIELDS]
    strangers += [("collections", c.name, "fields", f.name) for c in profile.collections
                  for f in c.fields if f.name not in LINE_FIELDS]
    if strangers:
        names = sorted({keys[-1] for keys in strangers})
        raise profile.error(strangers[0], f"{names} are not advice fields "
                                          f"(known: {sorted(RECORD_FIELDS | LINE_FIELDS)})")
    return profile


def _last_part(identifier: str) -> str:
    text = identifier.strip().rstrip("/")
    for sep in ("/", ":"):
        if sep in text:
            text = text.rsplit(sep, 1)[1]
    return text


@lru_cache(maxsize=4096)  # every EPCIS event repeats its read point
def _gln_text(text: str) -> str:
    for prefix in ("urn:epc:id:sgln:", "urn:epc:id:pgln:"):
        if text.startswith(prefix):
            parts = text[len(prefix):].split(".")
            body = parts[0] + (parts[1] if len(parts) > 1 else "")
            if body.isdigit() and len(body) == 12:
                return body + ean.calc_check_digit(body)
    return text


def _gln(value: Any) -> str:
    """A GLN from digits or an ``sgln``/``pgln`` EPC URI (check digit computed)."""
    return _gln_text(str(value or "").strip())


def _transactions(values: dict[str, Any]) -> dict[str, str]:
    refs = values.get("biz_transactions") or []
    kinds = values.get("biz_transaction_types") or []
    out: dict[str, str] = {}
    for ref, kind in zip(refs, kinds, strict=False):
        out.setdefault(_last_part(str(kind)).lower(), _last_part(str(ref)))
    return out


def _issue_findings(issues: Iterable[Any], line: int | None) -> list[Finding]:
    return [Finding(R.missing_field if i.code == "missing_field" else R.invalid_value,
                    i.field, i.message, line) for i in issues]


def _line(item: ExtractedItem, index: int, epc_item: bool,
          findings: list[Finding]) -> AdviceLine | None:
    v = item.values
    raw_no = v.get("line_no")
    line_no = raw_no if isinstance(raw_no, int) else index
    sscc = str(v.get("sscc") or "") or None
    lot = str(v.get("lot") or "") or None
    if sscc and sscc.startswith("urn:"):
        key = key_from_epc(sscc)
        sscc = key[1] if key is not None else sscc
    findings += _issue_findings(item.issues, line_no)
    gtin = str(v.get("gtin") or "")
    quantity: Decimal | None = v.get("quantity")
    unit = str(v.get("unit") or "each")
    if epc_item:
        key = key_from_epc(str(v.get("epc") or ""))
        if key is None:
            findings.append(Finding(R.invalid_value, "epc", f"{v.get('epc')!r} is not an SGTIN "
                                                            "or SSCC EPC URI", line_no))
            return None
        if key[0] == "sscc":  # a package listed without contents: the desk opens and counts
            return AdviceLine(line_no, "", Decimal(0), "each", sscc=key[1], lot=lot)
        gtin, quantity, unit = key[1], Decimal(1), "each"
    elif v.get("epc_class"):
        epc_class = str(v["epc_class"])
        key = key_from_epc(epc_class)
        if key is None:
            findings.append(Finding(R.invalid_value, "epc_class",
                                    f"{epc_class!r} is not a GTIN class", line_no))
            return None
        gtin = key[1]
        if epc_class.startswith("urn:epc:class:lgtin:"):
            lot = epc_class.rsplit(".", 1)[1] or lot
    if quantity is None:
        return None
    weight = v.get("weight")
    return AdviceLine(
        line_no=line_no, gtin=gtin, quantity=quantity, unit=unit, sscc=sscc, lot=lot,
        best_before=str(v.get("best_before") or "") or None,
        weight_g=int(weight) if weight is not None else None,
        po_number=str(v.get("po_number") or "") or None,
    )


def map_advices(profile: Profile, payload: str | bytes) -> MappingResult:
    """Every advice in ``payload`` (records grouped by advice number)."""
    result = MappingResult()
    try:
        document = profile.parse(payload)
    except DocumentError as exc:
        result.document_issue = Finding(R.invalid_value, "payload", f"{exc.code}: {exc}")
        return result
    text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else payload
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    extraction = profile.extract(document, {"document_id": digest})
    groups: dict[str, list[ExtractedRecord]] = {}
    for record in extraction.records:
        values = record.values
        if "biz_step" in values and values.get("biz_step") != "shipping":
            result.skipped_events += 1
            continue
        refs = _transactions(values)
        number = str(values.get("advice_number") or refs.get("desadv") or f"epcis-{digest}")
        groups.setdefault(number, []).append(record)
    for number, records in groups.items():
        result.advices.append(_advice(profile, number, records))
    return result


def _advice(profile: Profile, number: str, records: list[ExtractedRecord]) -> MappedAdvice:
    first = records[0].values
    refs = _transactions(first)
    findings: list[Finding] = []
    lines: list[AdviceLine] = []
    for record in records:
        findings += _issue_findings(record.issues, None)
        for name in COUNT_COLLECTIONS + EPC_COLLECTIONS:
            for item in record.collections.get(name, []):
                line = _line(item, len(lines) + 1, name in EPC_COLLECTIONS, findings)
                if line is not None:
                    lines.append(line)
    lines = _merge_epcs(lines)
    po = str(first.get("po_number") or refs.get("po") or "")
    if not po:
        po = next((ln.po_number for ln in lines if ln.po_number), "") or ""
    if not po:
        findings.append(Finding(R.missing_field, "po_number", "the advice names no purchase "
                                                              "order"))
    if not lines:
        findings.append(Finding(R.missing_field, "lines", "the advice has no lines"))
    function = str(first.get("function") or "original")
    payload = "\n".join(_fragment(profile, r.node) for r in records)
    advice = Advice(
        number=number, supplier_gln=_gln(first.get("supplier_gln")), po_number=po,
        lines=tuple(lines), function=function, despatched_at=first.get("despatched_at"),
        profile=profile.name,
    )
    return MappedAdvice(advice, findings, payload, _content_hash(advice))


def _fragment(profile: Profile, node: Any) -> str:
    """One record's original data for the advice's ``payload`` (what the supplier sent)."""
    if profile.format == "edifact":  # the message's own segments, without the grouping
        return json.dumps(node.get("segments", []), ensure_ascii=False)
    return fragment_text(node)


def _merge_epcs(lines: list[AdviceLine]) -> list[AdviceLine]:
    """One line per (SSCC, GTIN, lot) for serialised EPCs (each SGTIN is one unit)."""
    at: dict[tuple[str | None, str, str | None], int] = {}
    out: list[AdviceLine] = []
    for line in lines:
        key = (line.sscc, line.gtin, line.lot)
        index = at.get(key)
        if index is not None and line.quantity == 1 and out[index].quantity >= 1:
            prev = out[index]
            out[index] = AdviceLine(prev.line_no, prev.gtin, prev.quantity + 1, prev.unit,
                                    prev.sscc, prev.lot, prev.best_before, prev.weight_g,
                                    prev.po_number)
            continue
        at.setdefault(key, len(out))
        out.append(line)
    return out


def _content_hash(advice: Advice) -> str:
    """What "the same content" means for a repeated advice: number, PO, function, lines."""
    lines = [[ln.line_no, ln.gtin, str(ln.quantity), ln.unit, ln.sscc, ln.lot, ln.best_before,
              ln.weight_g] for ln in advice.lines]
    body = json.dumps([advice.number, advice.supplier_gln, advice.po_number, lines],
                      default=str)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()
