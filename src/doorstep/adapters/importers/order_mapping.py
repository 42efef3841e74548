"""Shop payloads to the canonical ``OrderIn`` through an ``orders`` mapping profile.

The shared profile engine extracts named values; this module knows what those names
mean for an order and assembles them::

    document ─► records (one per order; CSV rows grouped by external_id)
       └─► record fields ─► OrderIn header, customer, shipping_address
       └─► collection "lines" ─► OrderIn.lines (+ weight/size for plausibility)

Field findings from the engine, pydantic's schema errors and the payload's own
problems (truncated, not an order at all) all become :class:`Reason`s on a
:class:`MappedOrder`; nothing raises per record.  The names a profile may use are
``RECORD_FIELDS`` and ``LINE_FIELDS``; anything else is a profile error, so a typo in
a merchant's file cannot silently leave a field unmapped.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from doorstep.adapters.importers.profile_engine import (
    CompiledPath,
    CsvDocument,
    DocumentError,
    ExtractedRecord,
    Issue,
    Profile,
    compile_path,
    fragment_text,
    load_profile,
)
from doorstep.domain.harmonise.order_checks import LineMeasures
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.schemas.orders import OrderIn

__all__ = ["LINE_FIELDS", "RECORD_FIELDS", "MappedOrder", "OrderMapper", "load_order_mapper"]

# profile field name -> where it lands in OrderIn (dotted, as pydantic reports it)
RECORD_FIELDS: Mapping[str, str] = {
    "external_id": "external_id",
    "order_number": "order_number",
    "channel": "channel",
    "placed_at": "placed_at",
    "currency": "currency",
    "customer_name": "customer.name",
    "customer_email": "customer.email",
    "customer_id": "customer.external_id",
    "ship_name": "shipping_address.name",
    "ship_company": "shipping_address.company",
    "ship_line1": "shipping_address.line1",
    "ship_line2": "shipping_address.line2",
    "ship_postcode": "shipping_address.postcode",
    "ship_city": "shipping_address.city",
    "ship_region": "shipping_address.region",
    "ship_country": "shipping_address.country",
    "ship_phone": "shipping_address.phone",
    "carrier_service": "carrier_service",
    "shipping_price": "shipping_price",
    "priority": "priority",
}
LINE_FIELDS: Mapping[str, str] = {
    "sku": "sku",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "name": "name",
    "weight": "weight",
    "length": "dimensions[0]",
    "width": "dimensions[1]",
    "height": "dimensions[2]",
    "skip": "skip",
}
_REQUIRED_RECORD = ("external_id", "ship_country", "ship_postcode", "ship_line1", "ship_city")
_REQUIRED_LINE = ("sku", "quantity", "unit_price")


@dataclass(frozen=True, slots=True)
class MappedOrder:
    """One order as mapped: the canonical order if it could be built, and every reason."""

    record_key: str
    payload: str
    order: OrderIn | None
    measures: tuple[LineMeasures, ...] = ()
    reasons: tuple[Reason, ...] = ()
    skipped_lines: int = 0


def _reason(issue: Issue, location: str) -> Reason:
    try:
        code = ReasonCode(issue.code)
    except ValueError:
        return Reason(ReasonCode.invalid_value, location, f"{issue.code}: {issue.message}")
    return Reason(code, location, issue.message)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


class OrderMapper:
    """Maps one ``orders`` profile's payloads to :class:`MappedOrder`s."""

    def __init__(self, profile: Profile) -> None:
        if profile.kind != "orders":
            raise profile.error(("kind",), f"is {profile.kind!r}, expected 'orders'")
        unknown = [f.name for f in profile.record_fields if f.name not in RECORD_FIELDS]
        if unknown:
            raise profile.error(("fields", unknown[0]), f"{unknown} are not order fields "
                                f"(known: {sorted(RECORD_FIELDS)})")
        lines = [c for c in profile.collections if c.name == "lines"]
        if len(profile.collections) != 1 or not lines:
            raise profile.error(("collections",),
                                "an orders profile has exactly one collection, 'lines'")
        unknown = [f.name for f in lines[0].fields if f.name not in LINE_FIELDS]
        if unknown:
            raise profile.error(("collections", "lines", "fields", unknown[0]),
                                f"{unknown} are not line fields (known: {sorted(LINE_FIELDS)})")
        names = {f.name for f in profile.record_fields}
        line_names = {f.name for f in lines[0].fields}
        missing = [n for n in _REQUIRED_RECORD if n not in names]
        missing += [f"lines.{n}" for n in _REQUIRED_LINE if n not in line_names]
        if missing:
            where = ("fields",) if missing[0] in _REQUIRED_RECORD else (
                "collections", "lines", "fields")
            raise profile.error(where, f"an orders profile must map {missing}")
        self.profile = profile
        options = profile.options
        alternatives = options.get("records") or []
        if not isinstance(alternatives, list):
            raise profile.error(("options", "records"), "must be a list of paths")
        self._records: tuple[CompiledPath, ...] = tuple(
            compile_path(str(p), profile.format, profile.namespaces) for p in alternatives
        ) or ((profile.records,) if profile.records is not None else ())
        skip_with = options.get("skip_lines_with") or []
        if not isinstance(skip_with, list):
            raise profile.error(("options", "skip_lines_with"), "must be a list of paths")
        single = options.get("single_record_when")
        self._single = (
            compile_path(str(single), profile.format, profile.namespaces) if single else None
        )
        self._skip_with = tuple(
            compile_path(str(p), profile.format, profile.namespaces) for p in skip_with
        )
        self._order_number = next(
            (f for f in profile.record_fields if f.name == "order_number"), None)

    @property
    def name(self) -> str:
        return self.profile.name

    # -- documents ------------------------------------------------------------

    def map_document(self, raw: str | bytes, *, fragment: bool = False) -> Iterator[MappedOrder]:
        """Every order in a document.

        With ``fragment`` the document *is* one record, in the shape quarantine stores it
        (e.g. the inner ``order`` object of a Shopify response): release maps that way.
        CSV fragments are a header plus the order's rows and are read like any CSV.
        """
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
        try:
            document = self.profile.parse(raw)
        except DocumentError as exc:
            yield self._broken(text, ReasonCode(exc.code), str(exc))
            return
        if isinstance(document, CsvDocument):
            yield from self._map_csv(document)
            return
        nodes = [document] if fragment else self.record_nodes(document)
        if not nodes:
            wanted = " or ".join(p.text for p in self._records)
            yield self._broken(text, ReasonCode.missing_field, f"no order found at {wanted}")
            return
        for node in nodes:
            record = self.profile.extract_record(node, {})
            yield self._assemble([record], fragment_text(node))

    def record_nodes(self, document: Any) -> list[Any]:
        """The order nodes of a parsed JSON/XML document (per the records options)."""
        if not self._records:
            return [document]
        if self._single is not None and self._single.one(document) not in (None, ""):
            return [document]
        for path in self._records:
            nodes = [n for n in path.nodes(document) if n is not None]
            if nodes:
                return nodes
        return []

    def _broken(self, text: str, code: ReasonCode, message: str) -> MappedOrder:
        key = f"{self.name}:document:{_digest(text)}"
        return MappedOrder(key, text, None, reasons=(Reason(code, "payload", message),))

    def _map_csv(self, document: CsvDocument) -> Iterator[MappedOrder]:
        extraction = self.profile.extract(document)
        groups: dict[str, list[tuple[int, ExtractedRecord]]] = {}
        for index, record in enumerate(extraction.records):
            key = record.values.get("external_id")
            group_key = str(key) if key not in (None, "") else f"\0row{index}"
            groups.setdefault(group_key, []).append((index, record))
        for members in groups.values():
            buffer = io.StringIO()
            writer = csv.DictWriter(
                buffer,
                fieldnames=document.header,
                delimiter=self.profile.csv_delimiter,
                extrasaction="ignore",
                lineterminator="\n",
            )
            writer.writeheader()
            for index, _ in members:
                writer.writerow(document.rows[index])
            yield self._assemble([r for _, r in members], buffer.getvalue())

    # -- one order ----------------------------------------------------------------

    def _assemble(self, records: list[ExtractedRecord], payload: str) -> MappedOrder:
        head = records[0]
        values = head.values
        reasons: list[Reason] = []
        covered: set[str] = set()
        for issue in head.issues:
            location = RECORD_FIELDS.get(issue.field, issue.field)
            reasons.append(_reason(issue, location))
            covered.add(location)
        for other in records[1:]:
            for issue in other.issues:
                if issue.field not in RECORD_FIELDS:  # row-level (truncated row) findings
                    reasons.append(_reason(issue, issue.field))
            for name, location in RECORD_FIELDS.items():
                if name in values and other.values.get(name) != values.get(name):
                    reasons.append(
                        Reason(
                            ReasonCode.invalid_value,
                            location,
                            f"rows of one order disagree on {name}: "
                            f"{values.get(name)!r} vs {other.values.get(name)!r}",
                        )
                    )
                    covered.add(location)
        lines: list[dict[str, Any]] = []
        measures: list[LineMeasures] = []
        skipped = 0
        items = [item for record in records for item in record.collections.get("lines", [])]
        for item in items:
            item_issues = [i for i in item.issues if i.field in LINE_FIELDS]
            skip_issue = any(i.field == "skip" for i in item_issues)
            if not skip_issue and (
                item.values.get("skip") is True
                or any(p.one(item.node) not in (None, "", []) for p in self._skip_with)
            ):
                skipped += 1
                continue
            index = len(lines)
            for issue in item_issues:
                location = f"lines[{index}].{LINE_FIELDS[issue.field]}"
                reasons.append(_reason(issue, location))
                covered.add(f"lines.{index}.{issue.field}")
            v = item.values
            lines.append(
                {
                    "sku": v.get("sku"),
                    "quantity": v.get("quantity"),
                    "unit_price": v.get("unit_price"),
                    "name": v.get("name"),
                }
            )
            dims = tuple(float(v[d]) for d in ("length", "width", "height") if v.get(d) is not None)
            weight = v.get("weight")
            measures.append(
                LineMeasures(weight_g=None if weight is None else float(weight), dimensions_mm=dims)
            )
        reasons += self._empty_order_number(head)
        channel = values.get("channel") or self.profile.source
        external_id = values.get("external_id")
        record_key = (
            f"{channel}:{external_id}"
            if external_id not in (None, "")
            else f"{self.name}:{_digest(payload)}"
        )
        body = self._body(values, channel, lines)
        order: OrderIn | None = None
        try:
            order = OrderIn.model_validate(body)
        except ValidationError as exc:
            for error in exc.errors():
                location = ".".join(str(p) for p in error["loc"])
                if location in covered:
                    continue
                code = (
                    ReasonCode.missing_field
                    if error["type"] == "missing"
                    else ReasonCode.schema_invalid
                )
                reasons.append(Reason(code, _pretty(location), error["msg"]))
        if reasons:
            order = None
        return MappedOrder(record_key, payload, order, tuple(measures), tuple(reasons), skipped)

    def _empty_order_number(self, record: ExtractedRecord) -> list[Reason]:
        """An order number the shop sent empty is malformed, not absent.

        The profile engine reads an empty value as "not there", which is right for the
        fallback (no number: the customer sees ``external_id``), but a JSON or XML order whose
        number field is there and empty cannot be shown to anyone.  In a CSV an empty cell is
        how a row says "none", so CSV is left to the fallback.
        """
        if record.values.get("order_number") is not None or self.profile.format == "csv":
            return []
        spec = self._order_number
        if spec is None or not any(p.one(record.node) == "" for p in spec.paths):
            return []
        return [Reason(ReasonCode.invalid_value, "order_number",
                       "order_number is present but empty")]

    @staticmethod
    def _body(values: dict[str, Any], channel: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
        def pick(*names: str) -> dict[str, Any]:
            return {
                RECORD_FIELDS[n].rpartition(".")[2]: values[n]
                for n in names
                if values.get(n) is not None
            }

        body: dict[str, Any] = pick(
            "external_id", "placed_at", "currency", "carrier_service", "shipping_price", "priority"
        )
        if values.get("external_id") is not None:
            body["external_id"] = str(values["external_id"])
        if values.get("order_number") is not None:
            body["order_number"] = str(values["order_number"])
        placed_at = body.get("placed_at")
        if isinstance(placed_at, datetime) and placed_at.tzinfo is not None:
            body["placed_at"] = placed_at.astimezone(UTC)
        body["channel"] = channel
        body["customer"] = pick("customer_name", "customer_email", "customer_id")
        body["shipping_address"] = pick(
            "ship_name",
            "ship_company",
            "ship_line1",
            "ship_line2",
            "ship_postcode",
            "ship_city",
            "ship_region",
            "ship_country",
            "ship_phone",
        )
        body["lines"] = [{k: v for k, v in line.items() if v is not None} for line in lines]
        return body


def _pretty(location: str) -> str:
    """``lines.0.sku`` → ``lines[0].sku`` (the notation reasons use)."""
    parts = location.split(".")
    out: list[str] = []
    for part in parts:
        if part.isdigit() and out:
            out[-1] = f"{out[-1]}[{part}]"
        else:
            out.append(part)
    return ".".join(out)


def load_order_mapper(name_or_path: str | Path, user_dir: str | Path | None = None
                      ) -> OrderMapper:
    """A mapper for an orders profile: a name (the merchant's folder ``user_dir`` first,
    then the built-in ones) or a profile file."""
    return OrderMapper(load_profile(name_or_path, kind="orders", user_dir=user_dir))
