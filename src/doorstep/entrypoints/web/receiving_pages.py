"""The receiving desk in the browser (warehouse role, German and English).

Built for a keyboard-wedge scanner: the scanner types the barcode and presses Enter, so the
scan field is an ordinary form that submits on Enter — no JavaScript needed.  Big touch
targets for gloves and handhelds::

    GET  /receiving                    scan field (autofocus) and the number of open holds
    POST /receiving/scan               SSCC -> 303 to the package (or the desk with an error)
    GET  /receiving/package/{sscc}     what the advice says: lines, findings, forms
    POST /receiving/package/{sscc}/confirm   receive it whole, as advised
    POST /receiving/package/{sscc}/count     good and damaged units per line
    GET  /receiving/holds              held lines with their reasons
    POST /receiving/holds/{id}/decision   accept / correct / return / write off (operator)
    GET  /receiving/putaway/{area_id}  where the received units should go (suggestion)
    POST /receiving/putaway/{area_id}  the scanned location: the units go on hand there

The pages call the same services as ``/v1/receiving``; held lines show their reasons in the
reader's language (codes in ``REASONS``), the code itself beside them.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import DomainError, InvalidValue, NotFound
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import engine
from doorstep.entrypoints.api.params import PathRowId
from doorstep.entrypoints.api.routers.receiving import configured_layout
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.i18n import N_
from doorstep.entrypoints.web.rendering import render
from doorstep.services import putaway, receiving

router = APIRouter(tags=["pages"], include_in_schema=False)
DESK = require(Role.WAREHOUSE, Role.OPERATOR)

REASONS = {
    "gtin_check_digit": N_("The GTIN's check digit is wrong"),
    "sscc_check_digit": N_("The SSCC's check digit is wrong"),
    "gln_check_digit": N_("The supplier's GLN is not valid"),
    "unknown_gtin": N_("This GTIN is not in the product master"),
    "gtin_of_other_supplier": N_("This item does not come from this supplier"),
    "sscc_already_received": N_("This package was received before"),
    "over_delivery": N_("More than expected"),
    "under_delivery": N_("Fewer than advised"),
    "unexpected_item": N_("Not on the purchase order"),
    "missing_item": N_("Advised or ordered, but not here"),
    "pack_size_mismatch": N_("Cases and units mixed up"),
    "weight_mismatch": N_("The weight does not fit the quantity"),
    "best_before_format": N_("The best-before date cannot be read"),
    "lot_format": N_("The lot number has the wrong format"),
    "shelf_life_too_short": N_("Too little shelf life left"),
    "date_in_future": N_("Despatch date in the future"),
    "date_implausibly_old": N_("Implausible date"),
    "advice_changed": N_("The advice arrived again with other content"),
    "damaged": N_("Damaged units"),
    "invalid_quantity": N_("The quantity is not whole units"),
    "missing_field": N_("Information missing in the advice"),
    "invalid_value": N_("Information in the advice cannot be read"),
}


def _scan_view(conn: Any, sscc: str) -> dict[str, Any]:
    view = receiving.scan(conn, sscc)
    view["waiting"] = receiving.area_entries(conn, sscc=sscc)
    holds = {h["id"]: h for h in receiving.list_holds(conn)}
    for line in view["lines"]:
        line["holds"] = [h for h in holds.values()
                         if h["sscc"] == sscc and h["gtin"] == line["gtin"]]
    return view


def _desk(request: Request, *, error: str | None = None, sscc: str = "",
          status: int = 200) -> HTMLResponse:
    with engine(request).connect() as conn:
        held = len(receiving.list_holds(conn))
    return render(request, "receiving/desk.html",
                  {"error": error, "sscc": sscc, "held": held}, status=status)


@router.get("/receiving", dependencies=[Depends(DESK)])
def desk(request: Request) -> HTMLResponse:
    return _desk(request)


@router.post("/receiving/scan", dependencies=[Depends(DESK), Depends(check_csrf)])
async def scan(request: Request) -> Response:
    form = await request.form()
    sscc = str(form.get("sscc") or "").strip()
    if sscc.startswith("00") and len(sscc) == 20:  # GS1-128 with AI (00) in front
        sscc = sscc[2:]
    if not sscc:
        return _desk(request, error="empty", status=422)
    with engine(request).connect() as conn:
        try:
            receiving.scan(conn, sscc)
        except NotFound:
            return _desk(request, error="unknown", sscc=sscc, status=404)
    return RedirectResponse(f"/receiving/package/{sscc}", status_code=303)


def _package(request: Request, sscc: str, *, outcome: dict[str, Any] | None = None,
             error: str | None = None, status: int = 200) -> HTMLResponse:
    with engine(request).connect() as conn:
        try:
            view = _scan_view(conn, sscc)
        except NotFound:
            return _desk(request, error="unknown", sscc=sscc, status=404)
    return render(request, "receiving/package.html",
                  {"view": view, "outcome": outcome, "error": error, "reasons": REASONS},
                  status=status)


@router.get("/receiving/package/{sscc}", dependencies=[Depends(DESK)])
def package(request: Request, sscc: str) -> HTMLResponse:
    return _package(request, sscc)


@router.post("/receiving/package/{sscc}/confirm", dependencies=[Depends(check_csrf)])
def confirm(request: Request, sscc: str,
            principal: Principal = Depends(DESK)) -> HTMLResponse:
    try:
        with transaction(engine(request), write=True) as conn:
            advice_id = receiving.scan(conn, sscc)["advice_id"]
            outcome = receiving.receive(conn, advice_id, None, actor=principal.actor,
                                        sscc=sscc)
    except DomainError as exc:
        return _package(request, sscc, error=str(exc), status=422)
    return _package(request, sscc, outcome=outcome)


@router.post("/receiving/package/{sscc}/count", dependencies=[Depends(check_csrf)])
async def count(request: Request, sscc: str,
                principal: Principal = Depends(DESK)) -> HTMLResponse:
    form = await request.form()
    counts: dict[int, tuple[int, int]] = {}
    try:
        for key, value in form.multi_items():
            if key.startswith("good_"):
                line_id = int(key.removeprefix("good_"))
                damaged = str(form.get(f"damaged_{line_id}") or "0").strip() or "0"
                good, bad = int(str(value).strip() or "0"), int(damaged)
                if good < 0 or bad < 0:
                    raise ValueError(key)
                counts[line_id] = (good, bad)
        if not counts:
            raise InvalidValue("counts", "nothing counted")
        with transaction(engine(request), write=True) as conn:
            advice_id = receiving.scan(conn, sscc)["advice_id"]
            outcome = receiving.receive(conn, advice_id, counts, actor=principal.actor)
    except ValueError:
        return _package(request, sscc, error="count", status=422)
    except DomainError as exc:
        return _package(request, sscc, error=str(exc), status=422)
    return _package(request, sscc, outcome=outcome)


ACTION_LABELS = {
    "accept": N_("Accept as counted"),
    "correct": N_("Correct and accept"),
    "return": N_("Return to the supplier"),
    "write_off": N_("Write off"),
}
STATUS_LABELS = {
    "accepted": N_("The units are in the receiving area."),
    "corrected": N_("The corrected units are in the receiving area."),
    "returned": N_("The units go back to the supplier."),
    "written_off": N_("The units are written off."),
}


def _holds(request: Request, principal: Principal, *, decided: dict[str, Any] | None = None,
           error: tuple[int, str] | None = None, status: int = 200) -> HTMLResponse:
    with engine(request).connect() as conn:
        rows = receiving.list_holds(conn)
    return render(request, "receiving/holds.html",
                  {"holds": rows, "reasons": REASONS, "decided": decided, "error": error,
                   "actions": receiving.HOLD_ACTIONS, "action_labels": ACTION_LABELS,
                   "status_labels": STATUS_LABELS,
                   "can_decide": principal.may(frozenset({Role.OPERATOR}))}, status=status)


@router.get("/receiving/holds")
def holds(request: Request, principal: Principal = Depends(DESK)) -> HTMLResponse:
    """Everyone at the desk sees the holds; the decision form is for operators only."""
    return _holds(request, principal)


@router.post("/receiving/holds/{hold_id}/decision", dependencies=[Depends(check_csrf)])
async def decide(request: Request, hold_id: PathRowId,
                 principal: Principal = Depends(require(Role.OPERATOR))) -> HTMLResponse:
    form = await request.form()
    action = str(form.get("action") or "")
    note = str(form.get("note") or "").strip()
    raw_quantity = str(form.get("quantity") or "").strip()
    sku = str(form.get("sku") or "").strip() or None
    try:
        quantity = int(raw_quantity) if raw_quantity else None
        with transaction(engine(request), write=True) as conn:
            decided = receiving.resolve_hold(conn, hold_id, action, actor=principal.actor,
                                             note=note, quantity=quantity, sku=sku)
    except ValueError:
        return _holds(request, principal, error=(hold_id, "quantity"), status=422)
    except InvalidValue as exc:
        return _holds(request, principal, error=(hold_id, exc.field), status=422)
    except DomainError:
        return _holds(request, principal, error=(hold_id, "status"), status=422)
    return _holds(request, principal, decided=decided)


def _putaway_page(request: Request, area_id: int, *, error: str | None = None,
                  location: str = "", status: int = 200) -> HTMLResponse:
    with engine(request).connect() as conn:
        entries = receiving.area_entries(conn, area_id=area_id)
    if not entries:
        return _desk(request, error="unknown_entry", status=404)
    entry = entries[0]
    suggestion: str | None = entry["suggested_location"]
    if entry["status"] == "waiting" and suggestion is None:
        try:
            layout = configured_layout(request)
        except DomainError:
            layout = None  # no layout configured: the picker scans where it went
        if layout is not None:
            with transaction(engine(request), write=True) as conn:
                suggestion = putaway.suggest_putaway(conn, area_id, layout)["suggested_location"]
    return render(request, "receiving/putaway.html",
                  {"entry": entry, "suggestion": suggestion, "error": error,
                   "location": location}, status=status)


@router.get("/receiving/putaway/{area_id}", dependencies=[Depends(DESK)])
def putaway_page(request: Request, area_id: PathRowId) -> HTMLResponse:
    return _putaway_page(request, area_id)


@router.post("/receiving/putaway/{area_id}", dependencies=[Depends(check_csrf)])
async def putaway_scan(request: Request, area_id: PathRowId,
                       principal: Principal = Depends(DESK)) -> HTMLResponse:
    form = await request.form()
    location = str(form.get("location") or "").strip().upper()
    if not location:
        return _putaway_page(request, area_id, error="empty", status=422)
    try:
        with transaction(engine(request), write=True) as conn:
            putaway.confirm_putaway(conn, area_id, location, actor=principal.actor)
    except NotFound:
        return _putaway_page(request, area_id, error="unknown_location", location=location,
                             status=422)
    except DomainError as exc:
        return _putaway_page(request, area_id, error=str(exc), location=location, status=422)
    return _putaway_page(request, area_id)
