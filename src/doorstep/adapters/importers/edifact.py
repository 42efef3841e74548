"""EDIFACT interchanges (EANCOM DESADV) to a nested document profile paths can address.

pydifact reads the text — honouring the UNA service string advice (its separators, decimal
mark and release character: ``?'`` is a literal apostrophe) — and this module groups the
flat segment list by the DESADV D.96A segment groups::

    {"UNB": [...], "messages": [                       one record per UNH..UNT message
      {"UNH": [...], "BGM": [...], "DTM:137": [...], "RFF:ON": [...], "NAD:SU": [...],
       "packages": [ {"id": "2", "parent": <package 1>, "CPS": [...], "PAC": [...],
                      "GIN:BJ": [["BJ"], ["3426…"]]} … ],            SG10 CPS / SG11 PAC /
       "lines": [ {"LIN": [...], "PIA:1": [...], "QTY:12": [["12", "110", "PCE"]],  SG14 GIN
                   "RFF:ON": [...], "package": <its CPS package>} … ],           SG15 LIN
       "segments": [["BGM", ...], …]}                                 everything, in order
    ]}

pydifact reads the text; an interchange that never uses its release character is split on
its declared separators instead (the same segments, ten times faster).  A segment is a
list of data elements, each a list of components, so ``BGM[1][0]`` is the
document number and ``QTY:12[0][1]`` the despatched quantity.  Each container keeps the
first segment of a tag under ``TAG`` and the first per qualifier (the first component of
the first element — or the first element for NAD, GIN, PIA …) under ``TAG:QUALIFIER``.  A
line carries ``package``, the CPS group it is packed in, and a package its ``parent``, so a
line's SSCC is ``package.GIN:BJ[1][0]`` (or its parent's, one level up).

``recadv`` writes an EANCOM RECADV D.96A with pydifact's serialiser (release characters
added where the data contains separators).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment, SegmentFactory
from pydifact.serializer import Serializer

from doorstep.adapters.importers.documents import DocumentError

__all__ = ["parse_interchange", "pydifact_segments", "recadv", "split_segments"]

Elements = list[list[str]]
_HEADER_TAGS = frozenset({"UNH", "UNT", "CNT"})


class _PlainSegments(SegmentFactory):
    """Generic segments without pydifact's per-segment XML validation (slow, and it warns
    for every directory it has no definitions for)."""

    @staticmethod
    def create_segment(name: str, *elements: Any, validate: bool = True,
                       version: str = "", directory: str = "") -> Segment:
        del validate, version, directory
        return Segment(name, *elements)


def _elements(segment: Segment) -> Elements:
    out: Elements = []
    for element in segment.elements:
        if isinstance(element, list):
            out.append([c if isinstance(c, str) else "" for c in element])
        else:
            out.append([element if isinstance(element, str) else ""])
    return out


def _qualifier(elements: Elements) -> str | None:
    if not elements or not elements[0] or not elements[0][0]:
        return None
    return elements[0][0]


def _put(container: dict[str, Any], tag: str, elements: Elements) -> None:
    container.setdefault(tag, elements)
    qualifier = _qualifier(elements)
    if qualifier is not None:
        container.setdefault(f"{tag}:{qualifier}", elements)


def pydifact_segments(text: str) -> Iterator[tuple[str, Elements]]:
    parser = Parser(factory=_PlainSegments())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for segment in parser.parse(text):
            yield segment.tag, _elements(segment)


def split_segments(text: str) -> list[tuple[str, Elements]] | None:
    """The segments by plain splitting on the declared separators, or None when the text
    uses its release character (then only pydifact's tokenizer reads it right).

    Without a release character EDIFACT tokenising *is* splitting, and ``str.split`` runs
    ~10x faster than pydifact's character-by-character tokenizer (measured: 790 lines/s
    through pydifact, see benchmarks/receiving.py).  The tests check both give the same
    segments.
    """
    characters = Characters()  # type: ignore[no-untyped-call]  # pydifact leaves it untyped
    body = text
    if text.startswith("UNA"):
        characters = Characters.from_str(text[:9])
        body = text[9:]
    if characters.escape_character in body:
        return None
    terminator = characters.segment_terminator
    skipped = "".join(characters.line_terminators)  # pydifact skips these after a terminator
    if not body.rstrip(skipped).endswith(terminator):
        raise DocumentError("truncated_payload", "the interchange does not end with a segment "
                                                 "terminator (cut off?)")
    data, component = characters.data_separator, characters.component_separator
    out: list[tuple[str, Elements]] = []
    for raw in body.split(terminator):
        raw = raw.lstrip(skipped)
        if not raw:
            continue
        tag, *elements = raw.split(data)
        if not tag.isalnum():
            raise DocumentError("malformed_payload", f"EDIFACT: invalid segment tag {tag!r}")
        out.append((tag, [e.split(component) for e in elements]))
    return out


def _segments(text: str) -> Iterator[tuple[str, Elements]] | list[tuple[str, Elements]]:
    fast = split_segments(text)
    return fast if fast is not None else pydifact_segments(text)


def parse_interchange(payload: str | bytes) -> dict[str, Any]:
    """The nested document of an EDIFACT interchange; raises :class:`DocumentError`."""
    if isinstance(payload, bytes):
        try:
            text = payload.decode("utf-8-sig").strip()
        except UnicodeDecodeError:
            text = payload.decode("latin-1").strip()  # UNOC is ISO 8859-1
    else:
        text = payload.strip()
    if not text:
        raise DocumentError("truncated_payload", "payload is empty")
    if not (text.startswith("UNA") or text.startswith("UNB") or text.startswith("UNH")):
        raise DocumentError("malformed_payload", "an EDIFACT interchange starts with UNA, UNB "
                                                 "or UNH")
    document: dict[str, Any] = {"messages": []}
    message: dict[str, Any] | None = None
    package: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    packages_by_id: dict[str, dict[str, Any]] = {}
    try:
        for tag, elements in _segments(text):
            if tag == "UNA":
                continue
            if tag in ("UNB", "UNZ", "UNG", "UNE"):
                document.setdefault(tag, elements)
                continue
            if tag == "UNH":
                if message is not None:
                    raise DocumentError("malformed_payload",
                                        "UNH before the previous message's UNT")
                message = {"UNB": document.get("UNB"), "packages": [], "lines": [],
                           "segments": []}
                package = line = None
                packages_by_id = {}
            if message is None:
                raise DocumentError("malformed_payload", f"segment {tag} outside a message")
            message["segments"].append([tag, *elements])
            if tag == "CPS":
                number = elements[0][0] if elements and elements[0] else ""
                parent_id = elements[1][0] if len(elements) > 1 and elements[1] else ""
                package = {"id": number, "parent": packages_by_id.get(parent_id)}
                packages_by_id[number] = package
                message["packages"].append(package)
                line = None
                _put(package, tag, elements)
            elif tag == "LIN":
                line = {"package": package}
                message["lines"].append(line)
                _put(line, tag, elements)
            elif tag in _HEADER_TAGS:
                _put(message, tag, elements)
            else:
                _put(line if line is not None else package if package is not None else message,
                     tag, elements)
            if tag == "UNT":
                document["messages"].append(message)
                message = None
    except (EDISyntaxError, IndexError, ValueError) as exc:
        if isinstance(exc, DocumentError):
            raise
        raise DocumentError("malformed_payload", f"EDIFACT: {exc}") from None
    if message is not None:
        raise DocumentError("truncated_payload", "the interchange ends inside a message "
                                                 "(no UNT)")
    if not document["messages"]:
        raise DocumentError("malformed_payload", "the interchange holds no message (UNH..UNT)")
    return document


def recadv(
    *,
    sender_gln: str,
    recipient_gln: str,
    reference: str,
    advice_number: str,
    po_number: str,
    received_at: datetime,
    lines: Sequence[dict[str, Any]],
) -> str:
    """An EANCOM RECADV D.96A (EAN003) for what arrived against one despatch advice.

    ``sender_gln`` is us (buyer and delivery point), ``recipient_gln`` the supplier.
    ``lines``: ``{"line_no", "gtin", "sscc", "advised", "accepted", "rejected",
    "reasons": [code, …]}``.  Per line: QTY+194 received and accepted, QTY+12 despatched,
    and for a discrepancy QTY+195 not accepted with a QVR naming the first reason.
    """
    segments: list[Segment] = [
        Segment("UNH", "1", ["RECADV", "D", "96A", "UN", "EAN003"]),
        Segment("BGM", ["632"], reference, "9"),
        Segment("DTM", ["137", f"{received_at:%Y%m%d%H%M}", "203"]),
        Segment("DTM", ["50", f"{received_at:%Y%m%d%H%M}", "203"]),
        Segment("RFF", ["DQ", advice_number]),
        Segment("RFF", ["ON", po_number]),
        Segment("NAD", "BY", [sender_gln, "", "9"]),
        Segment("NAD", "SU", [recipient_gln, "", "9"]),
        Segment("NAD", "DP", [sender_gln, "", "9"]),
    ]
    packages: dict[str, int] = {}
    for item in lines:
        sscc = str(item.get("sscc") or "")
        if sscc and sscc not in packages:
            packages[sscc] = len(packages) + 1
            segments += [Segment("CPS", str(packages[sscc])), Segment("PAC", "1"),
                         Segment("PCI", "33E"), Segment("GIN", "BJ", sscc)]
        segments.append(Segment("LIN", str(item["line_no"]), "", [str(item["gtin"]), "EN"]))
        segments.append(Segment("QTY", ["12", str(item["advised"]), "PCE"]))
        segments.append(Segment("QTY", ["194", str(item["accepted"]), "PCE"]))
        reasons = list(item.get("reasons") or [])
        if item.get("rejected") or reasons:
            segments.append(Segment("QTY", ["195", str(item.get("rejected", 0)), "PCE"]))
            variance = int(item["accepted"]) - int(item["advised"])
            text = ", ".join(str(r) for r in reasons)[:35] or "discrepancy"
            segments.append(Segment("QVR", [str(variance), "21"], "", ["", "", "", text]))
    segments.append(Segment("CNT", ["2", str(len(lines))]))
    segments.append(Segment("UNT", str(len(segments) + 1), "1"))
    stamp = received_at
    envelope = [
        Segment("UNB", ["UNOC", "3"], [sender_gln, "14"], [recipient_gln, "14"],
                [f"{stamp:%y%m%d}", f"{stamp:%H%M}"], reference, "", "RECADV", "", "", "",
                "EANCOM"),
        *segments,
        Segment("UNZ", "1", reference),
    ]
    characters = Characters()  # type: ignore[no-untyped-call]  # pydifact leaves it untyped
    characters = characters.with_control_character("decimal_point", ".")
    return Serializer(characters).serialize(envelope, with_una_header=True, break_lines=True)
