"""Layout, picks and orders files (YAML or JSON) with errors that name the line.

PyYAML's node marks give every key and list item its line, so a bad value is reported as
``layout.yaml:7: aisle_length: must be a number > 0, got 'twenty'``.  JSON files are read
the same way (JSON is YAML); a JSON syntax error keeps ``json``'s own line and column.
The format itself is documented in ``docs/picking.md``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml

from doorstep.domain.picking import (
    GraphLayout,
    Layout,
    LayoutError,
    OrderLine,
    PickOrder,
    RectangularLayout,
    WaveOrder,
)

PathKey = tuple[str | int, ...]


class LayoutFileError(ValueError):
    """A file that cannot be used; the message starts with ``source:line: field:``."""


@dataclass(frozen=True, slots=True)
class PickItem:
    """One line of a picks file: a location, optionally with SKU and quantity."""

    location: str
    sku: str | None = None
    qty: int | None = None


class Document:
    """Parsed data plus the line of every key and list item, for pointed error messages."""

    def __init__(self, data: Any, lines: dict[PathKey, int], source: str) -> None:
        self.data, self.lines, self.source = data, lines, source

    def error(self, path: PathKey, problem: str) -> LayoutFileError:
        probe = path
        while probe and probe not in self.lines:
            probe = probe[:-1]
        name = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")
        if not self.lines:  # parsed data (an API body): there are no lines to point at
            return LayoutFileError(f"{self.source}: {name or 'document'}: {problem}")
        line = self.lines.get(probe, 1)
        return LayoutFileError(f"{self.source}:{line}: {name or 'document'}: {problem}")

    def mapping(self, value: Any, path: PathKey, allowed: set[str] | None = None) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.error(path, f"must be a mapping, got {type(value).__name__}")
        if allowed is not None:
            for k in value:
                if k not in allowed:
                    raise self.error(
                        (*path, str(k)), f"unknown key; expected one of {sorted(allowed)}"
                    )
        return value

    def seq(self, value: Any, path: PathKey) -> list[Any]:
        if not isinstance(value, list):
            raise self.error(path, f"must be a list, got {type(value).__name__}")
        return value

    def number(
        self,
        m: Mapping[str, Any],
        name: str,
        path: PathKey,
        *,
        default: float | None = None,
        minimum: float = 0.0,
        strict: bool = True,
    ) -> float:
        value = m.get(name, default)
        if value is None:
            raise self.error((*path, name), "is required")
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise self.error((*path, name), f"must be a number, got {value!r}")
        if value < minimum or (strict and value == minimum):
            raise self.error(
                (*path, name), f"must be {'>' if strict else '>='} {minimum:g}, got {value!r}"
            )
        return float(value)

    def integer(
        self,
        m: Mapping[str, Any],
        name: str,
        path: PathKey,
        *,
        default: int | None = None,
        minimum: int = 1,
        maximum: int | None = None,
    ) -> int:
        value = m.get(name, default)
        if value is None:
            raise self.error((*path, name), "is required")
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error((*path, name), f"must be a whole number, got {value!r}")
        if value < minimum:
            raise self.error((*path, name), f"must be >= {minimum}, got {value}")
        if maximum is not None and value > maximum:
            raise self.error((*path, name), f"must be <= {maximum}, got {value}")
        return value

    def text(
        self, m: Mapping[str, Any], name: str, path: PathKey, default: str | None = None
    ) -> str:
        value = m.get(name, default)
        if not isinstance(value, str) or not value.strip():
            raise self.error((*path, name), "is required and must be a non-empty string")
        return value.strip()


def _index(node: yaml.Node, path: PathKey, lines: dict[PathKey, int]) -> None:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            key = str(k.value)
            lines[(*path, key)] = k.start_mark.line + 1
            _index(v, (*path, key), lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*path, i), lines)


def parse_document(text: str, source: str) -> Document:
    """Parse YAML or JSON text into a :class:`Document` (syntax errors name the line)."""
    if source.endswith(".json"):
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise LayoutFileError(
                f"{source}:{exc.lineno}: invalid JSON: {exc.msg} (column {exc.colno})"
            ) from exc
    try:
        loader = yaml.SafeLoader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise LayoutFileError(f"{source}:{line}: invalid YAML: {exc.problem}") from exc
    lines: dict[PathKey, int] = {}
    if node is not None:
        _index(node, (), lines)
    return Document(data, lines, source)


def read_document(path: Path | str) -> Document:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise LayoutFileError(f"{p}: cannot read: {exc.strerror}") from exc
    return parse_document(text, str(p))


_RECT_KEYS = {
    "kind",
    "name",
    "aisles",
    "aisle_length",
    "aisle_spacing",
    "cross_aisles",
    "cross_aisle_width",
    "slot_pitch",
    "levels",
    "depot",
    "location_pattern",
}
_GRAPH_KEYS = {"kind", "name", "nodes", "edges", "depot", "locations"}


def layout_from_document(doc: Document) -> Layout:
    """Build the layout a document describes, or raise :class:`LayoutFileError`."""
    top = doc.mapping(doc.data, ())
    kind = top.get("kind", "rectangular")
    if kind == "graph":
        return _graph(doc, doc.mapping(top, (), _GRAPH_KEYS))
    if kind != "rectangular":
        raise doc.error(("kind",), f"must be 'rectangular' or 'graph', got {kind!r}")
    m = doc.mapping(top, (), _RECT_KEYS)
    aisles = doc.integer(m, "aisles", (), maximum=MAX_AISLES)
    spacing = doc.number(m, "aisle_spacing", ())
    depot = doc.mapping(m.get("depot", {"aisle": 1}), ("depot",), {"aisle", "x"})
    if "aisle" in depot and "x" in depot:
        raise doc.error(("depot",), "give either aisle or x, not both")
    if "x" in depot:
        depot_x = doc.number(depot, "x", ("depot",), minimum=-math.inf)
    else:
        aisle = doc.integer(depot, "aisle", ("depot",))
        if aisle > aisles:
            raise doc.error(("depot", "aisle"), f"must be within 1..{aisles}, got {aisle}")
        depot_x = (aisle - 1) * spacing
    kwargs: dict[str, Any] = {
        "aisles": aisles,
        "aisle_length": doc.number(m, "aisle_length", ()),
        "aisle_spacing": spacing,
        "cross_aisles": doc.integer(m, "cross_aisles", (), default=2, minimum=2,
                                    maximum=MAX_CROSS_AISLES),
        "cross_aisle_width": doc.number(m, "cross_aisle_width", (), default=2.0, strict=False),
        "slot_pitch": doc.number(m, "slot_pitch", (), default=1.0),
        "levels": doc.integer(m, "levels", (), default=1, maximum=MAX_LEVELS),
        "depot_x": depot_x,
        "name": doc.text(m, "name", (), default="layout"),
    }
    if "location_pattern" in m:
        kwargs["location_pattern"] = doc.text(m, "location_pattern", ())
    try:
        return RectangularLayout(**kwargs)
    except LayoutError as exc:
        field = next((f for f in kwargs if str(exc).startswith(f + " ")), "location_pattern")
        raise doc.error((field,), str(exc)) from exc


# Far above any real warehouse, far below what exhausts a server: 10,000,000 aisles in an
# inline layout took 171 s and 4.8 GB before these bounds (an API caller sends layouts).
MAX_AISLES = 5_000
MAX_CROSS_AISLES = 200
MAX_LEVELS = 200


def _graph(doc: Document, m: dict[str, Any]) -> GraphLayout:
    nodes: dict[str, tuple[float, float]] = {}
    for i, item in enumerate(doc.seq(m.get("nodes"), ("nodes",))):
        n = doc.mapping(item, ("nodes", i), {"id", "x", "y"})
        nid = doc.text(n, "id", ("nodes", i))
        if nid in nodes:
            raise doc.error(("nodes", i, "id"), f"node {nid!r} is declared twice")
        lo = -math.inf
        nodes[nid] = (
            doc.number(n, "x", ("nodes", i), minimum=lo),
            doc.number(n, "y", ("nodes", i), minimum=lo),
        )
    edges = []
    for i, item in enumerate(doc.seq(m.get("edges"), ("edges",))):
        e = doc.mapping(item, ("edges", i), {"from", "to", "distance"})
        a, b = doc.text(e, "from", ("edges", i)), doc.text(e, "to", ("edges", i))
        for end, name in ((a, "from"), (b, "to")):
            if end not in nodes:
                raise doc.error(("edges", i, name), f"node {end!r} is not declared")
        default = math.dist(nodes[a], nodes[b])
        edges.append((a, b, doc.number(e, "distance", ("edges", i), default=default, strict=False)))
    depot = doc.text(m, "depot", ())
    if depot not in nodes:
        raise doc.error(("depot",), f"node {depot!r} is not declared")
    locations: dict[str, str] = {}
    for code, node in doc.mapping(m.get("locations", {}), ("locations",)).items():
        if not isinstance(node, str) or node not in nodes:
            raise doc.error(("locations", str(code)), f"must name a declared node, got {node!r}")
        locations[str(code)] = node
    return GraphLayout(nodes, tuple(edges), depot, locations, doc.text(m, "name", (), "layout"))


def load_layout(path: Path | str) -> Layout:
    """Read a layout file (``.yaml``, ``.yml`` or ``.json``)."""
    return layout_from_document(read_document(path))


def layout_from_data(data: Any, source: str = "layout") -> Layout:
    """Build a layout from already-parsed data (an API body); errors name the field."""
    return layout_from_document(Document(data, {}, source))


def picks_from_document(doc: Document, layout: Layout | None = None) -> list[PickItem]:
    """A picks file: a list of location codes, or of ``{location, sku, qty}`` mappings."""
    items = doc.data.get("picks") if isinstance(doc.data, dict) else doc.data
    path: PathKey = ("picks",) if isinstance(doc.data, dict) else ()
    out = []
    for i, item in enumerate(doc.seq(items, path)):
        if isinstance(item, str):
            pick = PickItem(item.strip())
        else:
            p = doc.mapping(item, (*path, i), {"location", "sku", "qty"})
            sku = doc.text(p, "sku", (*path, i)) if "sku" in p else None
            qty = doc.integer(p, "qty", (*path, i)) if "qty" in p else None
            pick = PickItem(doc.text(p, "location", (*path, i)), sku, qty)
        if layout is not None:
            _check_location(doc, layout, pick.location, (*path, i))
        out.append(pick)
    return out


def _check_location(doc: Document, layout: Layout, code: str, path: PathKey) -> None:
    try:
        if isinstance(layout, GraphLayout):
            layout.node_of(code)
        else:
            layout.parse(code)
    except LayoutError as exc:
        raise doc.error(path, str(exc)) from exc


def _time(doc: Document, m: Mapping[str, Any], name: str, path: PathKey) -> datetime:
    raw = m.get(name)
    try:
        value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    except ValueError as exc:
        raise doc.error((*path, name), f"must be an ISO 8601 timestamp, got {raw!r}") from exc
    if value.tzinfo is None:
        raise doc.error((*path, name), "must carry a time zone (e.g. +00:00 or Z)")
    return value.astimezone(UTC)


def _date(doc: Document, m: Mapping[str, Any], name: str, path: PathKey) -> date:
    raw = m.get(name)
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    try:
        return date.fromisoformat(str(raw))
    except ValueError as exc:
        raise doc.error((*path, name), f"must be an ISO date (YYYY-MM-DD), got {raw!r}") from exc


_ORDER_KEYS = {
    "id",
    "carrier",
    "cutoff",
    "promised",
    "priority",
    "created_at",
    "lines",
    "volume",
    "weight",
    "totes",
}


def _orders(
    doc: Document, layout: Layout | None
) -> list[tuple[PathKey, dict[str, Any], str, tuple[OrderLine, ...]]]:
    items = doc.data.get("orders") if isinstance(doc.data, dict) else doc.data
    base: PathKey = ("orders",) if isinstance(doc.data, dict) else ()
    out = []
    seen: set[str] = set()
    for i, item in enumerate(doc.seq(items, base)):
        path = (*base, i)
        o = doc.mapping(item, path, _ORDER_KEYS)
        oid = doc.text(o, "id", path)
        if oid in seen:
            raise doc.error((*path, "id"), f"order {oid!r} appears twice")
        seen.add(oid)
        lines = []
        for j, raw in enumerate(doc.seq(o.get("lines"), (*path, "lines"))):
            lp = (*path, "lines", j)
            line = doc.mapping(raw, lp, {"sku", "qty", "location"})
            loc = doc.text(line, "location", lp)
            if layout is not None:
                _check_location(doc, layout, loc, (*lp, "location"))
            lines.append(OrderLine(doc.text(line, "sku", lp), doc.integer(line, "qty", lp), loc))
        if not lines:
            raise doc.error((*path, "lines"), "an order needs at least one line")
        out.append((path, o, oid, tuple(lines)))
    return out


def batch_orders_from_document(doc: Document, layout: Layout | None = None) -> list[PickOrder]:
    """Orders for batching: ``id``, ``lines`` and optionally ``totes``, ``volume``, ``weight``."""
    return [
        PickOrder(
            oid,
            tuple(li.location for li in lines),
            doc.integer(o, "totes", path, default=1),
            doc.number(o, "volume", path, default=0.0, strict=False),
            doc.number(o, "weight", path, default=0.0, strict=False),
        )
        for path, o, oid, lines in _orders(doc, layout)
    ]


def wave_orders_from_document(doc: Document, layout: Layout | None = None) -> list[WaveOrder]:
    """Orders for a wave: as for batching plus ``carrier``, ``cutoff``, ``promised``,
    ``priority`` (0..9, 9 most urgent) and ``created_at``."""
    out = []
    for path, o, oid, lines in _orders(doc, layout):
        priority = doc.integer(o, "priority", path, default=0, minimum=0)
        if priority > 9:
            raise doc.error((*path, "priority"), f"must be 0..9, got {priority}")
        out.append(
            WaveOrder(
                id=oid,
                carrier=doc.text(o, "carrier", path),
                cutoff=_time(doc, o, "cutoff", path),
                promised=_date(doc, o, "promised", path),
                priority=priority,
                created_at=_time(doc, o, "created_at", path),
                lines=lines,
                volume=doc.number(o, "volume", path, default=0.0, strict=False),
                weight=doc.number(o, "weight", path, default=0.0, strict=False),
            )
        )
    return out
