"""The receiving desk: scan a package, confirm or count it, and decide on what is held.

::

    scan SSCC ─► the advised lines in it (with the findings from the advice checks)
    confirm whole | count per GTIN (+ damaged)
        line passes every check ─► receiving area (waiting for putaway; not promisable)
        line fails a check      ─► receiving hold: reasons + the advised data as sent
        damaged units           ─► a hold of their own (reason ``damaged``)
    hold ─► accept (with a note) | correct (quantity) ─► receiving area
         ─► return to supplier | write off                   every step audited
    finish advice ─► lines never scanned are ``missing``; RECADV lists every discrepancy
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, insert, select, update

from doorstep.adapters.db.receiving_tables import (
    advice_lines,
    advices,
    purchase_orders,
    received_ssccs,
    receiving_area,
    receiving_hold_audit,
    receiving_holds,
    suppliers,
)
from doorstep.adapters.db.tables import products
from doorstep.adapters.importers.edifact import recadv as recadv_text
from doorstep.domain.errors import InvalidValue, NotFound
from doorstep.domain.receiving.checks import CheckedLine, check_receipt
from doorstep.domain.receiving.model import AdviceLine, SupplierTerms
from doorstep.domain.receiving.reasons import BLOCKING, Finding, ReceivingReason
from doorstep.services.advices import load_master, supplier_terms
from doorstep.services.events import utcnow
from doorstep.services.purchase_orders import add_received

__all__ = ["HOLD_ACTIONS", "area_entries", "finish_advice", "get_hold", "list_holds", "receive",
           "receiving_advice", "resolve_hold", "scan"]

HOLD_ACTIONS = ("accept", "correct", "return", "write_off")
_FINAL = {"accept": "accepted", "correct": "corrected", "return": "returned",
          "write_off": "written_off"}


def scan(conn: Connection, sscc: str) -> dict[str, Any]:
    """What the open advices say package ``sscc`` holds."""
    rows = conn.execute(
        select(advice_lines, advices.c.number, advices.c.po_number, advices.c.status
               .label("advice_status"))
        .join(advices, advices.c.id == advice_lines.c.advice_id)
        .where(advice_lines.c.sscc == sscc, advices.c.status.in_(("open", "receiving")))
        .order_by(advice_lines.c.id)).all()
    if not rows:
        raise NotFound("advised package", sscc)
    received = conn.execute(select(received_ssccs).where(received_ssccs.c.sscc == sscc)).first()
    return {"sscc": sscc, "advice_id": rows[0].advice_id, "advice_number": rows[0].number,
            "po_number": rows[0].po_number, "already_received": received is not None,
            "lines": [{"id": r.id, "line_no": r.line_no, "gtin": r.gtin, "sku": r.sku,
                       "units": r.units, "quantity": r.quantity, "unit": r.unit, "lot": r.lot,
                       "best_before": r.best_before, "status": r.status,
                       "findings": r.findings} for r in rows]}


def _warehouse(conn: Connection, po_number: str) -> str:
    row = conn.execute(select(purchase_orders.c.warehouse).where(
        purchase_orders.c.number == po_number)).first()
    return str(row.warehouse) if row is not None else ""


def receive(conn: Connection, advice_id: int, counts: Mapping[int, tuple[int, int]] | None,
            *, actor: str, sscc: str | None = None, now: datetime | None = None,
            ) -> dict[str, Any]:
    """Receive lines of one advice.

    ``counts`` maps advice-line id to (good units counted, damaged units); None confirms the
    lines as advised (all of package ``sscc`` when given, else every open line).
    """
    now = now or utcnow()
    advice = conn.execute(select(advices).where(advices.c.id == advice_id)).first()
    if advice is None:
        raise NotFound("advice", str(advice_id))
    if advice.status not in ("open", "receiving"):
        raise InvalidValue("advice", f"advice {advice.number} is {advice.status}; only open "
                                     "advices can be received")
    query = select(advice_lines).where(advice_lines.c.advice_id == advice_id,
                                       advice_lines.c.status == "expected")
    if sscc is not None:
        query = query.where(advice_lines.c.sscc == sscc)
    elif counts is not None:
        query = query.where(advice_lines.c.id.in_(list(counts)))
    lines = conn.execute(query.order_by(advice_lines.c.id)).all()
    if not lines:
        raise InvalidValue("lines", "no open advised line matches (already received?)")
    terms = supplier_terms(conn, advice.supplier_gln) or SupplierTerms(advice.supplier_gln)
    items = load_master(conn, {ln.gtin for ln in lines}, advice.supplier_gln)
    warehouse = _warehouse(conn, advice.po_number)
    outcome: dict[str, list[dict[str, Any]]] = {"received": [], "held": []}
    # A bad supplier GLN or an impossible despatch date concerns every line of the advice.
    on_advice = [f for f in map(Finding.from_dict, advice.findings or []) if f.code in BLOCKING]
    # An SSCC another advice brought in since this one was checked is a second arrival.
    ssccs = sorted({ln.sscc for ln in lines if ln.sscc})
    taken_before = set(conn.execute(select(received_ssccs.c.sscc).where(
        received_ssccs.c.sscc.in_(ssccs), received_ssccs.c.advice_id != advice.id)).scalars())
    for ln in lines:
        counted, damaged = (counts or {}).get(ln.id, (_advised_units(ln), 0))
        if counted < 0 or damaged < 0:
            raise InvalidValue(f"counts.{ln.id}", "counts cannot be negative")
        _claim(conn, ln)
        item = next((i for i in items.values() if i.sku == ln.sku), None)
        cl = CheckedLine(AdviceLine(ln.line_no, ln.gtin, Decimal(0), ln.unit), ln.sku, ln.units)
        findings = [Finding.from_dict(f) for f in ln.findings or []] + on_advice
        if ln.sscc in taken_before and not any(
                f.code == ReceivingReason.sscc_already_received for f in findings):
            findings.append(Finding(ReceivingReason.sscc_already_received, "sscc",
                                    f"SSCC {ln.sscc} was received with another advice",
                                    ln.line_no))
        findings += check_receipt(cl, counted, damaged, terms=terms,
                                  case_qty=item.case_qty if item is not None else 1)
        blocking = [f for f in findings if f.code in BLOCKING and f.code != ReceivingReason.damaged]
        original = {"line_no": ln.line_no, "gtin": ln.gtin, "sscc": ln.sscc,
                    "quantity": ln.quantity, "unit": ln.unit, "lot": ln.lot,
                    "best_before": ln.best_before, "weight_g": ln.weight_g}
        if damaged:
            outcome["held"].append(_hold(conn, advice, ln, warehouse, damaged,
                                         [f for f in findings if f.code == ReceivingReason.damaged],
                                         original, actor, now))
        if counted and blocking:
            outcome["held"].append(_hold(conn, advice, ln, warehouse, counted, blocking,
                                         original, actor, now))
        elif counted and ln.sku is not None:
            outcome["received"].append(_to_area(conn, advice.id, ln.id, warehouse, ln.sku,
                                                counted, ln.lot, ln.best_before, ln.sscc,
                                                actor, now))
            add_received(conn, advice.po_number, ln.sku, counted)
        if not counted and not damaged:  # advised, and nothing of it came
            findings.append(Finding(ReceivingReason.missing_item, "counted",
                                    f"line {ln.line_no} ({ln.gtin}): nothing arrived",
                                    ln.line_no))
        status = ("missing" if not counted and not damaged
                  else "held" if blocking and counted else "received")
        conn.execute(update(advice_lines).where(advice_lines.c.id == ln.id).values(
            status=status, counted=counted, damaged=damaged,
            findings=[f.to_dict() for f in findings]))
        if ln.sscc and conn.execute(select(received_ssccs.c.sscc).where(
                received_ssccs.c.sscc == ln.sscc)).first() is None:
            conn.execute(insert(received_ssccs).values(sscc=ln.sscc, advice_id=advice.id,
                                                       at=now))
    _advance(conn, advice.id, now)
    return outcome


def _claim(conn: Connection, ln: Any) -> None:
    """Take the line for this receipt with a guarded update: two desks receiving the same
    package at once cannot both put it into stock (the second waits on the row, then finds
    it taken and rolls back)."""
    taken = conn.execute(update(advice_lines).where(
        advice_lines.c.id == ln.id, advice_lines.c.status == "expected").values(status="counting"))
    if taken.rowcount != 1:
        raise InvalidValue(f"lines.{ln.id}", f"line {ln.line_no} ({ln.gtin}) was received "
                                             "meanwhile")


def _advised_units(ln: Any) -> int:
    """What confirming a line "as advised" counts: its units, or for an item the master does
    not know (no pack size to convert by) the advised quantity when it is a whole number."""
    if ln.units is not None:
        return int(ln.units)
    try:
        quantity = Decimal(ln.quantity)
    except ArithmeticError:
        return 0
    return int(quantity) if quantity == quantity.to_integral_value() and quantity > 0 else 0


def _advance(conn: Connection, advice_id: int, now: datetime) -> None:
    left = conn.execute(select(advice_lines.c.id).where(
        advice_lines.c.advice_id == advice_id, advice_lines.c.status == "expected")).first()
    conn.execute(update(advices).where(advices.c.id == advice_id).values(
        status="receiving" if left is not None else "received", updated_at=now))


def _to_area(conn: Connection, advice_id: int, line_id: int | None, warehouse: str, sku: str,
             quantity: int, lot: str | None, best_before: str | None, sscc: str | None,
             actor: str, now: datetime) -> dict[str, Any]:
    result = conn.execute(insert(receiving_area).values(
        advice_id=advice_id, advice_line_id=line_id, warehouse=warehouse, sku=sku,
        quantity=quantity, lot=lot, best_before=best_before, sscc=sscc, status="waiting",
        received_at=now, received_by=actor))
    assert result.inserted_primary_key is not None
    return {"area_id": int(result.inserted_primary_key[0]), "sku": sku, "quantity": quantity}


def _hold(conn: Connection, advice: Any, ln: Any, warehouse: str, quantity: int,
          reasons: list[Finding], original: dict[str, Any], actor: str,
          now: datetime) -> dict[str, Any]:
    result = conn.execute(insert(receiving_holds).values(
        advice_id=advice.id, advice_line_id=ln.id, warehouse=warehouse, sku=ln.sku,
        gtin=ln.gtin, sscc=ln.sscc, quantity=quantity,
        reasons=[f.to_dict() for f in reasons], original=original, status="held",
        created_at=now, updated_at=now))
    assert result.inserted_primary_key is not None
    hold_id = int(result.inserted_primary_key[0])
    conn.execute(insert(receiving_hold_audit).values(
        hold_id=hold_id, action="hold", actor=actor, note=None,
        data={"reasons": [f.code.value for f in reasons], "quantity": quantity}, at=now))
    return {"hold_id": hold_id, "sku": ln.sku, "quantity": quantity,
            "reasons": [f.code.value for f in reasons]}


def area_entries(conn: Connection, *, sscc: str | None = None,
                 area_id: int | None = None) -> list[dict[str, Any]]:
    """Units waiting in the receiving area (of one package, or one entry by id)."""
    query = select(receiving_area).where(receiving_area.c.status == "waiting")
    if sscc is not None:
        query = query.where(receiving_area.c.sscc == sscc)
    if area_id is not None:
        query = select(receiving_area).where(receiving_area.c.id == area_id)
    return [{"id": r.id, "sku": r.sku, "quantity": r.quantity, "sscc": r.sscc,
             "status": r.status, "location": r.location,
             "suggested_location": r.suggested_location}
            for r in conn.execute(query.order_by(receiving_area.c.id))]


def list_holds(conn: Connection, *, status: str = "held") -> list[dict[str, Any]]:
    rows = conn.execute(select(receiving_holds).where(receiving_holds.c.status == status)
                        .order_by(receiving_holds.c.id)).all()
    return [_hold_view(conn, r, audit=False) for r in rows]


def get_hold(conn: Connection, hold_id: int) -> dict[str, Any]:
    row = conn.execute(select(receiving_holds).where(receiving_holds.c.id == hold_id)).first()
    if row is None:
        raise NotFound("receiving hold", str(hold_id))
    return _hold_view(conn, row, audit=True)


def _hold_view(conn: Connection, row: Any, *, audit: bool) -> dict[str, Any]:
    view = {"id": row.id, "advice_id": row.advice_id, "sku": row.sku, "gtin": row.gtin,
            "sscc": row.sscc, "quantity": row.quantity, "reasons": row.reasons,
            "original": row.original, "status": row.status, "note": row.note}
    if audit:
        view["audit"] = [{"action": a.action, "actor": a.actor, "note": a.note,
                          "data": a.data, "at": a.at.isoformat()}
                         for a in conn.execute(select(receiving_hold_audit).where(
                             receiving_hold_audit.c.hold_id == row.id)
                             .order_by(receiving_hold_audit.c.id))]
    return view


def resolve_hold(conn: Connection, hold_id: int, action: str, *, actor: str,
                 note: str = "", quantity: int | None = None, sku: str | None = None,
                 now: datetime | None = None) -> dict[str, Any]:
    """Decide on a held line: accept or correct (into the receiving area), return, write off.

    ``correct`` takes the true quantity and/or the true SKU (a GTIN the supplier got wrong).
    """
    now = now or utcnow()
    if action not in HOLD_ACTIONS:
        raise InvalidValue("action", f"{action!r} is not one of {', '.join(HOLD_ACTIONS)}")
    if action in ("accept", "write_off", "return") and not note.strip():
        raise InvalidValue("note", f"{action} needs a note saying why")
    row = conn.execute(select(receiving_holds).where(receiving_holds.c.id == hold_id)).first()
    if row is None:
        raise NotFound("receiving hold", str(hold_id))
    result = conn.execute(update(receiving_holds).where(
        receiving_holds.c.id == hold_id, receiving_holds.c.status == "held").values(
        status=_FINAL[action], note=note or None, updated_at=now,
        quantity=quantity if action == "correct" and quantity is not None else row.quantity))
    if result.rowcount != 1:
        raise InvalidValue("status", f"hold {hold_id} is {row.status}, not held")
    units, target_sku = row.quantity, row.sku
    if action == "correct":
        if (quantity is None and sku is None) or (quantity is not None and quantity <= 0):
            raise InvalidValue("quantity", "a correction gives the true quantity (> 0) "
                                           "and/or the true sku")
        units = quantity if quantity is not None else row.quantity
        if sku is not None:
            if conn.execute(select(products.c.sku).where(products.c.sku == sku)).first() \
                    is None:
                raise InvalidValue("sku", f"{sku!r} is not in the product master")
            target_sku = sku
            conn.execute(update(receiving_holds).where(receiving_holds.c.id == hold_id)
                         .values(sku=sku))
    if action in ("accept", "correct"):
        if target_sku is None:
            raise InvalidValue("sku", f"{row.gtin} is not in the product master; it cannot "
                                      "enter stock (return or write off)")
        advice = conn.execute(select(advices).where(advices.c.id == row.advice_id)).one()
        original = row.original or {}
        _to_area(conn, row.advice_id, row.advice_line_id, row.warehouse, target_sku, units,
                 original.get("lot"), original.get("best_before"), row.sscc, actor, now)
        add_received(conn, advice.po_number, target_sku, units)
    conn.execute(insert(receiving_hold_audit).values(
        hold_id=hold_id, action=action, actor=actor, note=note or None,
        data={"quantity": units, "sku": target_sku}, at=now))
    return get_hold(conn, hold_id)


def finish_advice(conn: Connection, advice_id: int, *, now: datetime | None = None) -> int:
    """Mark every line never received as missing; returns how many."""
    now = now or utcnow()
    lines = conn.execute(select(advice_lines).where(
        advice_lines.c.advice_id == advice_id, advice_lines.c.status == "expected")).all()
    for ln in lines:
        finding = Finding(ReceivingReason.missing_item, "line",
                          f"line {ln.line_no} ({ln.gtin}) was advised and did not arrive",
                          ln.line_no)
        conn.execute(update(advice_lines).where(advice_lines.c.id == ln.id).values(
            status="missing", counted=0, findings=[*(ln.findings or []), finding.to_dict()]))
    _advance(conn, advice_id, now)
    return len(lines)


def receiving_advice(conn: Connection, advice_id: int, *, our_gln: str,
                     now: datetime | None = None) -> dict[str, Any]:
    """RECADV-shaped JSON for one advice, and EANCOM RECADV text when the supplier wants it."""
    now = now or utcnow()
    advice = conn.execute(select(advices).where(advices.c.id == advice_id)).first()
    if advice is None:
        raise NotFound("advice", str(advice_id))
    lines = conn.execute(select(advice_lines).where(advice_lines.c.advice_id == advice_id)
                         .order_by(advice_lines.c.line_no, advice_lines.c.id)).all()
    out_lines = []
    for ln in lines:
        advised = ln.units or 0
        counted = ln.counted or 0
        accepted = counted if ln.status == "received" else 0
        reasons = sorted({f["code"] for f in ln.findings or []})
        out_lines.append({"line_no": ln.line_no, "gtin": ln.gtin, "sscc": ln.sscc,
                          "sku": ln.sku, "status": ln.status, "advised": advised,
                          "counted": counted, "damaged": ln.damaged or 0,
                          "accepted": accepted, "rejected": max(0, counted + (ln.damaged or 0)
                                                                 - accepted),
                          "reasons": reasons,
                          "discrepancies": ln.findings or []})
    document = {"type": "RECADV", "advice_number": advice.number, "po_number": advice.po_number,
                "supplier_gln": advice.supplier_gln, "receiver_gln": our_gln,
                "received_at": now.isoformat(), "status": advice.status,
                "advice_findings": advice.findings, "lines": out_lines}
    supplier = conn.execute(select(suppliers.c.recadv).where(
        suppliers.c.gln == advice.supplier_gln)).first()
    if supplier is not None and supplier.recadv == "edifact":
        document["edifact"] = recadv_text(
            sender_gln=our_gln, recipient_gln=advice.supplier_gln,
            reference=f"R{advice.id}", advice_number=advice.number,
            po_number=advice.po_number, received_at=now, lines=out_lines)
    return document
