"""Goods in over HTTP: purchase orders, despatch advices, the receiving desk, holds, putaway.

Supplier webhooks (``POST /v1/webhooks/supplier/{profile}``) are signed: the body's
``base64(HMAC-SHA256(secret, raw body))`` in ``X-Doorstep-Signature``, with the secret
doorstep issued to the source ``supplier:<profile>`` (``doorstep sources secret --supplier
PROFILE``; rotation keeps two valid for a while); a bad or missing signature, or no secret
issued, is refused with 401 and nothing is stored.  Only profile *names* are accepted — built-in
ones and those in the merchant's profiles folder (``DOORSTEP_PROFILES_DIR``) — never a path.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import Field
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.asn_mapping import load_asn_profile, map_advices
from doorstep.adapters.importers.profile_engine import ProfileError, profile_names
from doorstep.adapters.layout_file import load_layout
from doorstep.adapters.webhook_signatures import DOORSTEP_SIGNATURE_HEADER, verify_any
from doorstep.domain.errors import InvalidValue
from doorstep.entrypoints.api.access import Principal, Role, public, require
from doorstep.entrypoints.api.deps import engine
from doorstep.entrypoints.api.params import PathRowId
from doorstep.entrypoints.api.problems import problem
from doorstep.schemas.strict import StrictModel
from doorstep.services import advices as advice_service
from doorstep.services import purchase_orders as po_service
from doorstep.services import putaway, receiving, source_secrets, suppliers

router = APIRouter(tags=["receiving"])
log = logging.getLogger("doorstep.receiving")
SIGNATURE_HEADER = DOORSTEP_SIGNATURE_HEADER
WAREHOUSE = Depends(require(Role.WAREHOUSE, Role.OPERATOR))
OPERATOR = Depends(require(Role.OPERATOR))


class POLine(StrictModel):
    sku: str | None = None
    gtin: str | None = None
    quantity: int = Field(gt=0)
    unit: str = Field(default="each", description="each, case or pallet")
    pack_size: int | None = Field(default=None, gt=0, description="units per case/pallet")


class PurchaseOrderIn(StrictModel):
    supplier_gln: str = Field(description="13-digit GLN with a valid check digit")
    warehouse: str = Field(min_length=1, max_length=16)
    expected_on: date | None = None
    lines: list[POLine] = Field(min_length=1)


class CountIn(StrictModel):
    line_id: int
    counted: int = Field(ge=0)
    damaged: int = Field(default=0, ge=0)


class ReceiveIn(StrictModel):
    sscc: str | None = Field(default=None, description="receive this package of the advice")
    counts: list[CountIn] | None = Field(
        default=None, description="omit to confirm the lines as advised")


class HoldDecision(StrictModel):
    action: str = Field(description="accept, correct, return or write_off")
    note: str = ""
    quantity: int | None = Field(default=None, gt=0, description="for correct")
    sku: str | None = Field(default=None, description="for correct: the true SKU")


class PutawayIn(StrictModel):
    location: str = Field(min_length=1, description="the location code the picker scanned")


@router.put("/v1/purchase-orders/{number}", summary="Create or replace a purchase order",
            dependencies=[OPERATOR])
def put_po(number: str, body: PurchaseOrderIn, db: Engine = Depends(engine)) -> JSONResponse:
    lines = [po_service.POLineIn(quantity=ln.quantity, unit=ln.unit, sku=ln.sku, gtin=ln.gtin,
                                 pack_size=ln.pack_size) for ln in body.lines]
    with transaction(db, write=True) as conn:
        created = po_service.save_po(conn, number, supplier_gln=body.supplier_gln,
                                     warehouse=body.warehouse, expected_on=body.expected_on,
                                     lines=lines)
        waited = advice_service.process_waiting(conn, number)
        view = po_service.get_po(conn, number)
    view["advices_processed"] = waited
    return JSONResponse(view, status_code=201 if created else 200)


@router.get("/v1/purchase-orders/{number}", summary="A purchase order with what arrived",
            dependencies=[WAREHOUSE])
def get_po(number: str, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return po_service.get_po(conn, number)


@router.post("/v1/purchase-orders/{number}/close", summary="Close a purchase order by hand",
             dependencies=[OPERATOR])
def close_po(number: str, db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return po_service.close_po(conn, number)


@router.post("/v1/purchase-orders/import", summary="Import purchase orders from CSV",
             dependencies=[OPERATOR])
async def import_pos(request: Request, warehouse: str = "BER",
                     db: Engine = Depends(engine)) -> dict[str, Any]:
    text = (await request.body()).decode("utf-8-sig")
    with transaction(db, write=True) as conn:
        numbers = po_service.import_po_csv(conn, text, warehouse=warehouse)
        processed = sum(advice_service.process_waiting(conn, n) for n in numbers)
    return {"purchase_orders": numbers, "advices_processed": processed}


def _profiles_dir(request: Request) -> str:
    return str(request.app.state.container.settings.profiles_dir or "")


def _known(request: Request, profile: str) -> JSONResponse | None:
    """A 404 unless ``profile`` names an asn profile (built in or in the profiles folder)."""
    if profile in profile_names("asn", _profiles_dir(request) or None):
        return None
    return problem(404, "Unknown profile", f"{profile!r} is not an asn profile (built in or "
                   "in DOORSTEP_PROFILES_DIR)", field="profile")


def _ingest(db: Engine, profile_name: str, body: bytes, user_dir: str) -> JSONResponse:
    try:
        profile = load_asn_profile(profile_name, user_dir or None)
    except ProfileError as exc:
        # Known by name (``_known``) but unloadable: a fault of this server's set-up, not of
        # the request; the file and line go to the log, not to the supplier.
        log.error("advice profile %r cannot be used: %s", profile_name, exc)
        return problem(500, "Profile error", f"the advice profile {profile_name!r} cannot be "
                       "loaded; the server's log names the file and line", field="profile")
    mapped = map_advices(profile, body)
    if mapped.document_issue is not None:
        return problem(422, "Unreadable advice", mapped.document_issue.message,
                       field="payload", reason=mapped.document_issue.code.value)
    results = []
    with transaction(db, write=True) as conn:
        for advice in mapped.advices:
            results.append(advice_service.ingest_advice(conn, advice))
    held = any(r["status"] in ("conflict",) or r.get("line_findings") for r in results)
    return JSONResponse({"advices": results, "skipped_events": mapped.skipped_events},
                        status_code=202 if held else 201)


@router.post("/v1/advices", summary="Import a despatch advice through a profile",
             dependencies=[OPERATOR])
async def post_advice(request: Request, profile: str,
                      db: Engine = Depends(engine)) -> JSONResponse:
    unknown = _known(request, profile)
    if unknown is not None:
        return unknown
    return _ingest(db, profile, await request.body(), _profiles_dir(request))


@router.post("/v1/webhooks/supplier/{profile}", summary="A supplier's despatch advice",
             dependencies=[Depends(public("supplier webhook, verified by a per-source HMAC"))])
async def supplier_webhook(profile: str, request: Request,
                           db: Engine = Depends(engine)) -> JSONResponse:
    body = await request.body()
    unknown = _known(request, profile)
    if unknown is not None:
        return unknown
    with db.connect() as conn:
        secrets = source_secrets.active(conn, f"supplier:{profile}")
    if not verify_any(secrets, body, request.headers.get(SIGNATURE_HEADER)):
        return problem(401, "Signature invalid",
                       f"{SIGNATURE_HEADER} does not verify for source {profile!r}",
                       field=SIGNATURE_HEADER)
    return _ingest(db, profile, body, _profiles_dir(request))


@router.get("/v1/advices", summary="Despatch advices, newest first", dependencies=[WAREHOUSE])
def list_advices(status: str | None = None, po_number: str | None = None,
                 db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return {"advices": advice_service.list_advices(conn, status=status,
                                                       po_number=po_number)}


@router.get("/v1/advices/{advice_id}", summary="A despatch advice with its lines and findings",
            dependencies=[WAREHOUSE])
def get_advice(advice_id: PathRowId, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return advice_service.advice_view(conn, advice_id)


@router.get("/v1/receiving/scan/{sscc}", summary="What the advice says a package holds",
            dependencies=[WAREHOUSE])
def scan(sscc: str, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return receiving.scan(conn, sscc)


@router.post("/v1/advices/{advice_id}/receive", summary="Confirm or count received lines")
def receive(advice_id: PathRowId, body: ReceiveIn, db: Engine = Depends(engine),
            principal: Principal = Depends(require(Role.WAREHOUSE, Role.OPERATOR))
            ) -> dict[str, Any]:
    counts = None if body.counts is None else {c.line_id: (c.counted, c.damaged)
                                                for c in body.counts}
    with transaction(db, write=True) as conn:
        return receiving.receive(conn, advice_id, counts, actor=principal.actor,
                                 sscc=body.sscc)


@router.post("/v1/advices/{advice_id}/finish", summary="Close an advice: the rest is missing")
def finish(advice_id: PathRowId, db: Engine = Depends(engine),
           principal: Principal = Depends(require(Role.WAREHOUSE, Role.OPERATOR))
           ) -> dict[str, Any]:
    del principal
    with transaction(db, write=True) as conn:
        missing = receiving.finish_advice(conn, advice_id)
        return {"advice_id": advice_id, "missing_lines": missing}


@router.get("/v1/advices/{advice_id}/recadv", summary="The receiving advice for the supplier",
            dependencies=[WAREHOUSE])
def recadv(advice_id: PathRowId, request: Request, db: Engine = Depends(engine)) -> dict[str, Any]:
    our_gln = getattr(request.app.state, "our_gln", "") or "0000000000000"
    with db.connect() as conn:
        return receiving.receiving_advice(conn, advice_id, our_gln=our_gln)


@router.get("/v1/receiving/holds", summary="Lines on receiving hold", dependencies=[WAREHOUSE])
def holds(status: str = "held", db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return {"holds": receiving.list_holds(conn, status=status)}


@router.get("/v1/receiving/holds/{hold_id}", summary="A hold with its audit trail",
            dependencies=[WAREHOUSE])
def hold(hold_id: PathRowId, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return receiving.get_hold(conn, hold_id)


@router.post("/v1/receiving/holds/{hold_id}/decision", summary="Accept, correct, return or "
             "write off a held line")
def decide(hold_id: PathRowId, body: HoldDecision, db: Engine = Depends(engine),
           principal: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return receiving.resolve_hold(conn, hold_id, body.action, actor=principal.actor,
                                      note=body.note, quantity=body.quantity, sku=body.sku)


def configured_layout(request: Request) -> Any:
    """The warehouse's picking layout (the app's, else the ``layout_path`` setting)."""
    layouts = getattr(request.app.state, "picking_layouts", None) or {}
    layout = layouts.get("default")
    if layout is None:
        path = request.app.state.container.settings.layout_path
        if not path:
            raise InvalidValue("layout", "no warehouse layout is configured (layout_path)")
        layout = load_layout(path)
    return layout


@router.get("/v1/receiving/area/{area_id}/putaway", summary="Where to put received units",
            dependencies=[WAREHOUSE])
def suggest(area_id: PathRowId, request: Request, db: Engine = Depends(engine)) -> dict[str, Any]:
    layout = configured_layout(request)
    with transaction(db, write=True) as conn:
        return putaway.suggest_putaway(conn, area_id, layout)


@router.post("/v1/receiving/area/{area_id}/putaway", summary="Confirm putaway by the scanned "
             "location; the units become available")
def confirm(area_id: PathRowId, body: PutawayIn, db: Engine = Depends(engine),
            principal: Principal = Depends(require(Role.WAREHOUSE, Role.OPERATOR))
            ) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return putaway.confirm_putaway(conn, area_id, body.location, actor=principal.actor)


class SupplierIn(StrictModel):
    name: str = Field(min_length=1, max_length=200)
    over_tolerance_pct: Decimal = Field(default=Decimal(0), ge=0, le=100)
    under_tolerance_pct: Decimal = Field(default=Decimal(0), ge=0, le=100)
    recadv: str = Field(default="json", description="json or edifact")


class SupplierItemIn(StrictModel):
    case_qty: int = Field(default=1, ge=1)
    pallet_qty: int = Field(default=0, ge=0)
    min_shelf_life_days: int = Field(default=0, ge=0)
    lot_pattern: str | None = Field(default=None, description="regular expression")
    storage_category: str = "general"


class SlotIn(StrictModel):
    storage_category: str = "general"
    max_volume_cm3: int = Field(gt=0)
    max_weight_g: int = Field(gt=0)
    fixed_sku: str | None = None
    mixing_allowed: bool = True


@router.put("/v1/suppliers/{gln}", summary="A supplier and its quantity tolerances",
            dependencies=[OPERATOR])
def put_supplier(gln: str, body: SupplierIn, db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return suppliers.set_supplier(conn, gln, name=body.name,
                                      over_pct=body.over_tolerance_pct,
                                      under_pct=body.under_tolerance_pct, recadv=body.recadv)


@router.put("/v1/suppliers/{gln}/items/{sku}", summary="What a supplier delivers of a SKU: "
            "pack sizes, shelf life, lot format", dependencies=[OPERATOR])
def put_supplier_item(gln: str, sku: str, body: SupplierItemIn,
                      db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return suppliers.set_supplier_item(conn, gln, sku, **body.model_dump())


@router.put("/v1/location-slots/{code}", summary="Putaway rules of a location",
            dependencies=[OPERATOR])
def put_slot(code: str, body: SlotIn, db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return suppliers.set_slot(conn, code, **body.model_dump())
