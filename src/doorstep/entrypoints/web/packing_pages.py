"""The packing bench in the browser (warehouse role, German and English).

Keyboard-wedge friendly like the receiving desk: every scan field is a form that submits on
Enter, so it works without JavaScript.  The tote label carries the order number (doorstep's
order id or the shop's), which is what the first scan reads::

    GET  /packing                      scan the tote / order (autofocus)
    POST /packing/scan                 → 303 to the order
    GET  /packing/order/{id}           suggested cartons, the items to verify, its parcels
    POST /packing/order/{id}/verify    one item scan (GTIN or SKU); counts kept in the form
    POST /packing/order/{id}/pack      pack as suggested once every item is verified
    POST /packing/parcel/{id}/weight   the scale's grams: checked, or held with the reason
    GET  /packing/parcel/{id}/label    the label (PDF) — printed from the browser
    GET  /packing/parcel/{id}/slip     the packing slip in the reader's language

The pages call the same services as ``/v1/parcels``; nothing here decides anything itself.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import or_, select

from doorstep.adapters.db.packing_tables import parcels
from doorstep.adapters.db.tables import order_lines, orders, products
from doorstep.adapters.db.uow import transaction
from doorstep.domain.carrier_service import carrier_of
from doorstep.domain.errors import DomainError, NotFound
from doorstep.domain.packing import WeightCheck
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container, engine
from doorstep.entrypoints.api.routers.packing import gateway_for, shipping_config
from doorstep.entrypoints.web.csrf import check_csrf
from doorstep.entrypoints.web.i18n import choose_language, use_language
from doorstep.entrypoints.web.packing_texts import VERDICTS, refusal
from doorstep.entrypoints.web.rendering import render
from doorstep.entrypoints.web.status_names import STATUS_NAMES
from doorstep.services import packing, shipping

router = APIRouter(tags=["pages"], include_in_schema=False)
BENCH = require(Role.WAREHOUSE, Role.OPERATOR)


def _find_order(conn: Any, code: str) -> str | None:
    row = conn.execute(select(orders.c.id).where(
        or_(orders.c.id == code, orders.c.external_id == code, orders.c.order_number == code))
        .order_by(orders.c.accepted_at.desc()).limit(1)).first()
    return None if row is None else str(row.id)


def _bench(request: Request, *, error: str | None = None, code: str = "",
           status: int = 200) -> HTMLResponse:
    return render(request, "packing/bench.html", {"error": error, "code": code},
                  status=status)


@router.get("/packing", dependencies=[Depends(BENCH)])
def bench(request: Request) -> HTMLResponse:
    return _bench(request)


@router.post("/packing/scan", dependencies=[Depends(BENCH), Depends(check_csrf)])
async def scan(request: Request) -> Response:
    code = str((await request.form()).get("code") or "").strip()
    if not code:
        return _bench(request, error="empty", status=422)
    with engine(request).connect() as conn:
        order_id = _find_order(conn, code)
    if order_id is None:
        return _bench(request, error="unknown", code=code, status=404)
    return RedirectResponse(f"/packing/order/{order_id}", status_code=303)


def _order_view(conn: Any, order_id: str, scanned: Counter[str]) -> dict[str, Any]:
    """Everything the order page shows, read in one go (one read per scan)."""
    order = conn.execute(select(orders).where(orders.c.id == order_id)).first()
    if order is None:
        raise NotFound("order", order_id)
    lines = [{"line_no": line.line_no, "sku": line.sku, "name": line.name or line.sku,
              "gtin": line.gtin, "expected": line.picked}
             for line in conn.execute(select(order_lines, products.c.gtin)
                                      .select_from(order_lines.outerjoin(
                                          products, products.c.sku == order_lines.c.sku))
                                      .where(order_lines.c.order_id == order_id)
                                      .order_by(order_lines.c.line_no))]
    boxes = conn.execute(select(parcels).where(parcels.c.order_id == order_id)
                         .order_by(parcels.c.parcel_no)).all()
    checks: dict[int, WeightCheck] = {}
    for box in boxes:  # a held parcel is explained again from its numbers, in the reader's words
        if box.status != "held" or not box.measured_weight_g:
            continue
        try:
            check = packing.weight_check(conn, box, box.measured_weight_g)
        except DomainError:  # its carton type is gone: the verdict alone is shown
            continue
        if check.verdict.value == box.hold_reason:  # master data unchanged since the hold
            checks[box.id] = check
    suggestion: list[Any] = []
    suggestion_error: DomainError | None = None
    if not boxes:
        try:
            suggestion = packing.suggest(conn, order_id)
        except DomainError as exc:
            suggestion_error = exc
    return _counted({"order": order, "lines": lines, "parcels": boxes, "checks": checks,
                     "suggestion": suggestion, "suggestion_error": suggestion_error},
                    scanned)


def _counted(view: dict[str, Any], scanned: Counter[str]) -> dict[str, Any]:
    """``view`` with each line's verified count from ``scanned`` (no database needed)."""
    lines = [{**ln, "scanned": min(scanned.get(ln["sku"], 0), ln["expected"])}
             for ln in view["lines"]]
    return {**view, "lines": lines, "scanned": scanned,
            "verified": all(ln["scanned"] >= ln["expected"] for ln in lines)}


def _scans_from(form: Any) -> Counter[str]:
    counts: Counter[str] = Counter()
    for sku in str(form.get("scanned") or "").split(","):
        if sku:
            counts[sku] += 1
    return counts


def _order_page(request: Request, order_id: str, *, scanned: Counter[str] | None = None,
                notice: tuple[str, str] | None = None, status: int = 200,
                view: dict[str, Any] | None = None) -> HTMLResponse:
    """The order page; ``view`` when the caller has already read it for this request."""
    counts = scanned or Counter()
    if view is None:
        with engine(request).connect() as conn:
            try:
                view = _order_view(conn, order_id, counts)
            except NotFound:
                return _bench(request, error="unknown", code=order_id, status=404)
    return render(request, "packing/order.html",
                  {**view, "notice": notice, "verdicts": VERDICTS,
                   "status_names": STATUS_NAMES,
                   "refusal": refusal, "scanned_field": ",".join(sorted(counts.elements()))},
                  status=status)


def _refused(request: Request, exc: DomainError) -> str:
    """The refusal as a sentence in the reader's language (the notice shows it as is)."""
    with use_language(choose_language(request)[0]):
        return refusal(exc)


@router.get("/packing/order/{order_id}", dependencies=[Depends(BENCH)])
def order_page(request: Request, order_id: str) -> HTMLResponse:
    return _order_page(request, order_id)


@router.post("/packing/order/{order_id}/verify",
             dependencies=[Depends(BENCH), Depends(check_csrf)])
async def verify(request: Request, order_id: str) -> HTMLResponse:
    form = await request.form()
    scanned = _scans_from(form)
    code = str(form.get("item") or "").strip()
    with engine(request).connect() as conn:
        try:
            view = _order_view(conn, order_id, scanned)
        except NotFound:
            return _bench(request, error="unknown", code=order_id, status=404)
    match = next((ln for ln in view["lines"] if code and code in (ln["sku"], ln["gtin"])),
                 None)
    if match is None:
        return _order_page(request, order_id, scanned=scanned, view=view,
                           notice=("bad", "not_in_order:" + code), status=422)
    if match["scanned"] >= match["expected"]:
        return _order_page(request, order_id, scanned=scanned, view=view,
                           notice=("warn", "too_many:" + match["sku"]), status=422)
    scanned[match["sku"]] += 1
    return _order_page(request, order_id, scanned=scanned, view=_counted(view, scanned),
                       notice=("ok", "scanned:" + match["sku"]))


@router.post("/packing/order/{order_id}/pack", dependencies=[Depends(check_csrf)])
async def pack(request: Request, order_id: str,
               principal: Principal = Depends(BENCH)) -> HTMLResponse:
    scanned = _scans_from(await request.form())
    with engine(request).connect() as conn:
        try:
            view = _order_view(conn, order_id, scanned)
        except NotFound:
            return _bench(request, error="unknown", code=order_id, status=404)
    if not view["verified"]:
        return _order_page(request, order_id, scanned=scanned, view=view,
                           notice=("bad", "unverified"), status=422)
    try:
        with transaction(engine(request), write=True) as conn:
            packing.pack(conn, order_id, actor=principal.actor,
                         company_prefix=container(request).settings.gs1_company_prefix)
    except DomainError as exc:
        return _order_page(request, order_id, scanned=scanned,
                           notice=("bad", _refused(request, exc)), status=422)
    return _order_page(request, order_id, notice=("ok", "packed"))


@router.post("/packing/parcel/{parcel_id}/weight", dependencies=[Depends(check_csrf)])
async def weigh(request: Request, parcel_id: int,
                principal: Principal = Depends(BENCH)) -> HTMLResponse:
    raw = str((await request.form()).get("grams") or "").strip()
    with engine(request).connect() as conn:
        row = conn.execute(select(parcels.c.order_id).where(parcels.c.id == parcel_id)).first()
    if row is None:
        return _bench(request, error="unknown", code=str(parcel_id), status=404)
    try:
        grams = int(raw)
        if grams <= 0:
            raise ValueError(raw)
    except ValueError:
        return _order_page(request, row.order_id, notice=("bad", "grams"), status=422)
    try:
        with transaction(engine(request), write=True) as conn:
            check = packing.weigh(conn, parcel_id, grams=grams, actor=principal.actor)
    except DomainError as exc:
        return _order_page(request, row.order_id, notice=("bad", _refused(request, exc)),
                           status=409)
    return _order_page(request, row.order_id,
                       notice=("ok" if check.ok else "bad", "weighed:" + check.verdict.value))


@router.get("/packing/parcel/{parcel_id}/label")
def label(request: Request, parcel_id: int,
          principal: Principal = Depends(BENCH)) -> Response:
    with engine(request).connect() as conn:
        row = conn.execute(select(parcels.c.order_id, parcels.c.status, parcels.c.label,
                                  parcels.c.label_format, orders.c.carrier_service)
                           .join(orders, orders.c.id == parcels.c.order_id)
                           .where(parcels.c.id == parcel_id)).first()
    if row is None:
        return _bench(request, error="unknown", code=str(parcel_id), status=404)
    if row.status == "labelled" and row.label_format == "pdf":
        return Response(row.label, media_type="application/pdf")  # print it again
    carrier = carrier_of(row.carrier_service)
    try:
        made = shipping.label_parcel(engine(request), parcel_id,
                                     gateway=gateway_for(request, carrier),
                                     config=shipping_config(request), actor=principal.actor)
    except DomainError as exc:
        return _order_page(request, row.order_id, notice=("bad", _refused(request, exc)),
                           status=409)
    return Response(made.label, media_type="application/pdf",
                    headers={"X-Tracking-Number": made.tracking_number})


@router.get("/packing/parcel/{parcel_id}/slip", dependencies=[Depends(BENCH)])
def slip(request: Request, parcel_id: int) -> Response:
    from doorstep.adapters.documents.packing_slip import render_slip
    from doorstep.entrypoints.web.i18n import format_locale, translations

    sender = shipping_config(request).sender_lines()
    with engine(request).connect() as conn:
        try:
            data = shipping.slip_for(conn, parcel_id, sender=sender, return_address=sender)
        except NotFound:
            return _bench(request, error="unknown", code=str(parcel_id), status=404)
    language = choose_language(request)[0]
    return Response(render_slip(data, translations(language).gettext,
                                locale=format_locale(language)),
                    media_type="application/pdf", headers={"Content-Language": language})
