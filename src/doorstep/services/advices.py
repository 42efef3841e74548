"""Despatch advices into the database: checked against the PO and the product master.

What happens to an arriving advice (by supplier GLN and advice number)::

    same number, same content           ─► duplicate: nothing changes, the first one stands
    same number, function replace       ─► the earlier advice is replaced whole (if nothing
                                           was received against it yet)
    same number, function cancel        ─► the earlier advice is cancelled
    same number, different content      ─► stored as ``conflict`` with advice_changed; the
                                           earlier one stands until someone decides
    no PO number, supplier or lines     ─► ``invalid``: kept with its findings, never received
    PO not known yet                    ─► ``waiting``; checked when the PO is saved
    otherwise                           ─► ``open``: every line stored with its findings

Lines are checked by ``domain.receiving.checks`` against what the PO still expects (ordered
minus received minus what other open advices already announce).
"""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Connection,
    bindparam,
    case,
    func,
    insert,
    literal,
    select,
    union_all,
    update,
)

from doorstep.adapters.db.receiving_tables import (
    advice_lines,
    advices,
    purchase_order_lines,
    purchase_orders,
    received_ssccs,
    supplier_items,
    suppliers,
)
from doorstep.adapters.db.tables import products
from doorstep.adapters.importers.asn_mapping import MappedAdvice
from doorstep.domain.errors import NotFound
from doorstep.domain.gs1 import gtin14
from doorstep.domain.receiving.checks import CheckedAdvice, check_advice
from doorstep.domain.receiving.model import Advice, AdviceLine, ItemMaster, SupplierTerms
from doorstep.domain.receiving.reasons import Finding, ReceivingReason
from doorstep.services.events import utcnow

__all__ = ["advice_view", "ingest_advice", "list_advices", "load_master", "process_waiting",
           "supplier_terms"]

OPEN_STATES = ("open", "receiving")


# Statements built once: an advice of 17 lines spends more time building SQL than running
# it (profiled: 25,000 coercions for 290 advices), so each query is compiled once per process.
_SUPPLIER = select(suppliers).where(suppliers.c.gln == bindparam("gln"))
_MASTER = (
    select(products.c.sku, products.c.gtin, products.c.weight_g, products.c.length_mm,
           products.c.width_mm, products.c.height_mm, supplier_items.c.gln,
           supplier_items.c.case_qty, supplier_items.c.pallet_qty,
           supplier_items.c.min_shelf_life_days, supplier_items.c.lot_pattern,
           supplier_items.c.storage_category)
    .select_from(products.outerjoin(supplier_items, supplier_items.c.sku == products.c.sku))
    .where(products.c.gtin.in_(bindparam("gtins", expanding=True)))
)
_SEEN = select(received_ssccs.c.sscc).where(
    received_ssccs.c.sscc.in_(bindparam("ssccs", expanding=True)))
# What the PO still expects, per SKU ("po" rows), and what other open advices already
# announce ("advised" rows), in one round trip.  No "po" rows: the PO is not known (yet).
_EXPECTED = union_all(
    select(literal("po").label("kind"), purchase_order_lines.c.sku.label("sku"),
           func.sum(case((purchase_orders.c.status == "closed", 0),  # expects nothing more
                         else_=purchase_order_lines.c.units
                         - purchase_order_lines.c.received_units)).label("units"))
    .join(purchase_orders, purchase_orders.c.number == purchase_order_lines.c.po_number)
    .where(purchase_order_lines.c.po_number == bindparam("po"))
    .group_by(purchase_order_lines.c.sku),
    select(literal("advised").label("kind"), advice_lines.c.sku.label("sku"),
           func.sum(advice_lines.c.units).label("units"))
    .join(advices, advices.c.id == advice_lines.c.advice_id)
    .where(advices.c.po_number == bindparam("po"), advices.c.status.in_(OPEN_STATES),
           advices.c.id != bindparam("exclude"), advice_lines.c.status == "expected",
           advice_lines.c.sku.is_not(None))
    .group_by(advice_lines.c.sku),
)
# An advice whose PO number, supplier or lines are missing cannot be checked or received.
_HEADER_FIELDS = frozenset({"po_number", "supplier_gln", "advice_number", "lines"})
_INSERT_ADVICE = insert(advices)
_INSERT_LINES = insert(advice_lines)
_EARLIER = (
    select(advices)
    .where(advices.c.supplier_gln == bindparam("gln"), advices.c.number == bindparam("number"),
           advices.c.status.not_in(("replaced", "cancelled", "conflict")))
    .order_by(advices.c.id.desc()).limit(1)
)


def supplier_terms(conn: Connection, gln: str) -> SupplierTerms | None:
    row = conn.execute(_SUPPLIER, {"gln": gln}).first()
    if row is None:
        return None
    return SupplierTerms(gln, Decimal(row.over_tolerance_pct), Decimal(row.under_tolerance_pct),
                         row.recadv)


def load_master(conn: Connection, gtins: set[str], supplier_gln: str) -> dict[str, ItemMaster]:
    """Items by GTIN-14 for the GTINs an advice names (products stored in any GTIN length)."""
    wanted = {g for g in gtins if g.isdigit()}
    forms = wanted | {gtin14(g) for g in wanted} | {g.lstrip("0") for g in wanted}
    if not forms:
        return {}
    rows: dict[str, list[Any]] = {}
    for r in conn.execute(_MASTER, {"gtins": sorted(forms)}):
        rows.setdefault(r.sku, []).append(r)
    out: dict[str, ItemMaster] = {}
    for sku_rows in rows.values():
        r = sku_rows[0]
        mine = next((s for s in sku_rows if s.gln == supplier_gln), None)
        out[gtin14(r.gtin)] = ItemMaster(
            sku=r.sku, gtin14=gtin14(r.gtin), weight_g=r.weight_g,
            volume_cm3=r.length_mm * r.width_mm * r.height_mm / 1000,
            suppliers=frozenset(s.gln for s in sku_rows if s.gln is not None),
            case_qty=mine.case_qty if mine is not None else 1,
            pallet_qty=mine.pallet_qty if mine is not None else 0,
            min_shelf_life_days=mine.min_shelf_life_days if mine is not None else 0,
            lot_pattern=re.compile(mine.lot_pattern) if mine is not None and mine.lot_pattern
            else None,
            storage_category=mine.storage_category if mine is not None else "general")
    return out


def _open_units(conn: Connection, po_number: str, exclude: int | None) -> dict[str, int] | None:
    """Units the PO still expects per SKU, or None when there is no such PO."""
    rows = conn.execute(_EXPECTED, {"po": po_number, "exclude": exclude or -1}).all()
    out = {str(r.sku): int(r.units or 0) for r in rows if r.kind == "po"}
    if not out:
        return None
    for r in rows:
        if r.kind == "advised" and r.sku in out:
            out[r.sku] = max(0, out[r.sku] - int(r.units or 0))
    return out


def _check(conn: Connection, advice: Advice, advice_id: int | None,
           now: datetime) -> CheckedAdvice | None:
    """The advice checked against its PO, or None when the PO is not known yet."""
    open_units = _open_units(conn, advice.po_number, advice_id)
    if open_units is None:
        return None
    items = load_master(conn, {ln.gtin for ln in advice.lines}, advice.supplier_gln)
    ssccs = sorted({ln.sscc for ln in advice.lines if ln.sscc})
    seen = set(conn.execute(_SEEN, {"ssccs": ssccs}).scalars()) if ssccs else set()
    return check_advice(advice, items=items, supplier=supplier_terms(conn, advice.supplier_gln),
                        open_units=open_units,
                        seen_ssccs=seen, now=now)


def _store_lines(conn: Connection, advice_id: int, checked: CheckedAdvice | None,
                 advice: Advice) -> None:
    rows = []
    if checked is None:
        rows = [_line_row(advice_id, ln, None, None, []) for ln in advice.lines]
    else:
        rows = [_line_row(advice_id, cl.line, cl.sku, cl.units, cl.findings)
                for cl in checked.lines]
    if rows:
        conn.execute(_INSERT_LINES, rows)


def _line_row(advice_id: int, ln: AdviceLine, sku: str | None, units: int | None,
              findings: list[Finding]) -> dict[str, Any]:
    return {"advice_id": advice_id, "line_no": ln.line_no, "sscc": ln.sscc, "gtin": ln.gtin,
            "sku": sku, "quantity": str(ln.quantity), "unit": ln.unit, "units": units,
            "lot": ln.lot, "best_before": ln.best_before, "weight_g": ln.weight_g,
            "findings": [f.to_dict() for f in findings], "status": "expected"}


def ingest_advice(conn: Connection, mapped: MappedAdvice, *,
                  now: datetime | None = None) -> dict[str, Any]:
    """Store one mapped advice; returns ``{"id", "number", "status", "findings"}``."""
    now = now or utcnow()
    advice = mapped.advice
    earlier = conn.execute(_EARLIER, {"gln": advice.supplier_gln,
                                      "number": advice.number}).first()
    findings = list(mapped.findings)
    status = "open"
    if earlier is not None:
        if earlier.content_hash == mapped.content_hash and advice.function != "cancel":
            return {"id": earlier.id, "number": advice.number, "status": earlier.status,
                    "duplicate": True, "findings": earlier.findings}
        if advice.function in ("replace", "cancel"):
            received = conn.execute(select(advice_lines.c.id).where(
                advice_lines.c.advice_id == earlier.id,
                advice_lines.c.status != "expected")).first()
            if received is not None:
                findings.append(Finding(ReceivingReason.advice_changed, "function",
                                        f"advice {advice.number} is already being received; "
                                        f"a {advice.function} cannot apply any more"))
                status = "conflict"
            else:
                conn.execute(update(advices).where(advices.c.id == earlier.id).values(
                    status="cancelled" if advice.function == "cancel" else "replaced",
                    updated_at=now))
                if advice.function == "cancel":
                    return {"id": earlier.id, "number": advice.number, "status": "cancelled",
                            "findings": []}
        else:
            findings.append(Finding(ReceivingReason.advice_changed, "content",
                                    f"advice {advice.number} arrived before with different "
                                    "content (not marked as a replacement)"))
            status = "conflict"
    checked = None
    unusable = [f for f in findings if f.field in _HEADER_FIELDS and f.line is None]
    if unusable and status != "conflict":
        status = "invalid"  # no PO or supplier to check against: kept, never receivable
    if status not in ("conflict", "invalid"):
        checked = _check(conn, advice, None, now)
        if checked is None:
            status = "waiting"
        else:
            findings += checked.findings
    result = conn.execute(_INSERT_ADVICE, {
        "number": advice.number, "supplier_gln": advice.supplier_gln,
        "po_number": advice.po_number, "profile": advice.profile, "function": advice.function,
        "status": status, "content_hash": mapped.content_hash, "payload": mapped.payload,
        "findings": [f.to_dict() for f in findings], "despatched_at": advice.despatched_at,
        "created_at": now, "updated_at": now})
    assert result.inserted_primary_key is not None
    advice_id = int(result.inserted_primary_key[0])
    if earlier is not None and status != "conflict":
        conn.execute(update(advices).where(advices.c.id == earlier.id)
                     .values(replaced_by=advice_id))
    _store_lines(conn, advice_id, checked, advice)
    line_findings = checked is not None and any(cl.findings for cl in checked.lines)
    return {"id": advice_id, "number": advice.number, "status": status,
            "findings": [f.to_dict() for f in findings], "line_findings": line_findings}


def process_waiting(conn: Connection, po_number: str, *, now: datetime | None = None) -> int:
    """Check the advices that waited for PO ``po_number``; returns how many."""
    now = now or utcnow()
    waiting = conn.execute(select(advices).where(advices.c.po_number == po_number,
                                                 advices.c.status == "waiting")
                           .order_by(advices.c.id)).all()
    for row in waiting:
        lines = conn.execute(select(advice_lines).where(advice_lines.c.advice_id == row.id)
                             .order_by(advice_lines.c.id)).all()
        advice = Advice(row.number, row.supplier_gln, row.po_number, tuple(
            AdviceLine(ln.line_no, ln.gtin, Decimal(ln.quantity), ln.unit, ln.sscc, ln.lot,
                       ln.best_before, ln.weight_g) for ln in lines),
            despatched_at=row.despatched_at)
        checked = _check(conn, advice, row.id, now)
        if checked is None:  # the PO's lines are gone again: keep waiting
            continue
        for ln, cl in zip(lines, checked.lines, strict=True):
            conn.execute(update(advice_lines).where(advice_lines.c.id == ln.id).values(
                sku=cl.sku, units=cl.units, findings=[f.to_dict() for f in cl.findings]))
        kept = list(row.findings or [])
        conn.execute(update(advices).where(advices.c.id == row.id).values(
            status="open", updated_at=now,
            findings=kept + [f.to_dict() for f in checked.findings]))
    return len(waiting)


def list_advices(conn: Connection, *, status: str | None = None, po_number: str | None = None,
                 limit: int = 100) -> list[dict[str, Any]]:
    """Advices, newest first, optionally of one status or PO (without their lines)."""
    query = select(advices.c.id, advices.c.number, advices.c.supplier_gln, advices.c.po_number,
                   advices.c.profile, advices.c.status, advices.c.created_at)
    if status is not None:
        query = query.where(advices.c.status == status)
    if po_number is not None:
        query = query.where(advices.c.po_number == po_number)
    rows = conn.execute(query.order_by(advices.c.id.desc()).limit(limit)).all()
    return [{**r._mapping, "created_at": r.created_at.isoformat()} for r in rows]


def advice_view(conn: Connection, advice_id: int) -> dict[str, Any]:
    row = conn.execute(select(advices).where(advices.c.id == advice_id)).first()
    if row is None:
        raise NotFound("advice", str(advice_id))
    lines = conn.execute(select(advice_lines).where(advice_lines.c.advice_id == advice_id)
                         .order_by(advice_lines.c.line_no, advice_lines.c.id)).all()
    return {"id": row.id, "number": row.number, "supplier_gln": row.supplier_gln,
            "po_number": row.po_number, "profile": row.profile, "function": row.function,
            "status": row.status, "findings": row.findings, "replaced_by": row.replaced_by,
            "lines": [_line_view(ln) for ln in lines]}


def _line_view(ln: Any) -> dict[str, Any]:
    return {"id": ln.id, "line_no": ln.line_no, "sscc": ln.sscc, "gtin": ln.gtin,
            "sku": ln.sku, "quantity": ln.quantity, "unit": ln.unit, "units": ln.units,
            "lot": ln.lot, "best_before": ln.best_before, "status": ln.status,
            "counted": ln.counted, "damaged": ln.damaged, "findings": ln.findings}



