"""Goods out over HTTP: carton types, the packing suggestion, parcels, labels, manifests, hand-over.

Warehouse staff pack, weigh, label and hand over; operators may do the same and maintain the
carton types; viewers read.  A label comes from the carrier gateway for the order's carrier
when one is configured (``doorstep[carriers]``, karrio), else doorstep prints its own.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select

from doorstep.adapters.carriers.own_label import OwnLabelGateway
from doorstep.adapters.db.packing_tables import parcels
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import NotFound
from doorstep.domain.packing import CartonType
from doorstep.domain.packing.labelling import CarrierGateway
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container, engine
from doorstep.schemas.strict import Code, Note
from doorstep.services import packing, shipping

router = APIRouter(tags=["packing"])
WAREHOUSE = require(Role.WAREHOUSE, Role.OPERATOR)
READ = require(Role.WAREHOUSE, Role.OPERATOR, Role.VIEWER)
Millimetres = Annotated[int, Field(gt=0, le=10_000)]
Grams = Annotated[int, Field(gt=0, le=10_000_000)]


class CartonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    length_mm: Millimetres
    width_mm: Millimetres
    height_mm: Millimetres
    tare_g: Annotated[int, Field(ge=0, le=100_000)]
    max_load_g: Grams
    cost: Decimal = Field(ge=0, max_digits=10, decimal_places=2)
    weight_tolerance_g: Annotated[int, Field(ge=0, le=100_000)] = 20
    weight_tolerance_pct: float = Field(default=3.0, ge=0, le=50, allow_inf_nan=False)


class PackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    order_id: Code
    cartons: list[Code] | None = Field(default=None, max_length=20,
                                       description="restrict the choice to these carton types")


class WeightIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grams: Grams


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    note: Note = Field(min_length=1)


class ManifestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: Code
    warehouse: Code | None = None


class HandOverIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code = Field(description="the scanned SSCC (with or without AI 00) or M<manifest id>")


def _parcel_json(parcel: Any) -> dict[str, Any]:
    return {"id": parcel.id, "order_id": parcel.order_id, "parcel_no": parcel.parcel_no,
            "carton": parcel.carton, "sscc": parcel.sscc, "contents": parcel.contents,
            "expected_weight_g": parcel.expected_weight_g,
            "measured_weight_g": parcel.measured_weight_g, "status": parcel.status,
            "hold_reason": parcel.hold_reason, "hold_detail": parcel.hold_detail,
            "carrier": parcel.carrier, "tracking_number": parcel.tracking_number,
            "label_format": parcel.label_format, "manifest_id": parcel.manifest_id}


def gateway_for(request: Request, carrier: str) -> CarrierGateway:
    """The configured carrier gateway, or doorstep's own label for the carrier."""
    gateways: dict[str, CarrierGateway] = getattr(request.app.state, "carrier_gateways", {})
    return gateways.get(carrier) or OwnLabelGateway(carrier)


def shipping_config(request: Request) -> shipping.ShippingConfig:
    settings = container(request).settings
    return shipping.ShippingConfig.from_setting(settings.sender_address, settings.country,
                                                  settings.label_tracking_url)


@router.put("/v1/warehouses/{warehouse}/cartons/{code}", summary="Create or change a carton type")
def put_carton(warehouse: Code, code: Code, body: CartonIn, db: Engine = Depends(engine),
               _: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any]:
    carton = CartonType(code, body.length_mm, body.width_mm, body.height_mm, body.tare_g,
                        body.max_load_g, body.cost, body.weight_tolerance_g,
                        body.weight_tolerance_pct)
    with transaction(db, write=True) as conn:
        packing.put_carton(conn, warehouse, carton)
    return {"warehouse": warehouse, "code": code, **body.model_dump(mode="json")}


@router.get("/v1/warehouses/{warehouse}/cartons", summary="The carton types of a warehouse")
def list_cartons(warehouse: Code, db: Engine = Depends(engine),
                 _: Principal = Depends(READ)) -> list[dict[str, Any]]:
    with db.connect() as conn:
        return [{"code": c.code, "length_mm": c.length_mm, "width_mm": c.width_mm,
                 "height_mm": c.height_mm, "tare_g": c.tare_g, "max_load_g": c.max_load_g,
                 "cost": str(c.cost), "weight_tolerance_g": c.weight_tolerance_g,
                 "weight_tolerance_pct": c.weight_tolerance_pct}
                for c in packing.cartons_of(conn, warehouse)]


@router.get("/v1/orders/{order_id}/pack-suggestion",
            summary="The cheapest cartons that hold the order's picked units")
def pack_suggestion(order_id: Code, db: Engine = Depends(engine),
                    _: Principal = Depends(READ)) -> dict[str, Any]:
    with db.connect() as conn:
        suggestion = packing.suggest(conn, order_id)
    return {"order_id": order_id, "parcels": [
        {"carton": p.carton.code, "cost": str(p.carton.cost), "items": [i.sku for i in p.items],
         "gross_weight_g": p.gross_weight_g, "utilisation": round(p.utilisation, 3),
         "placements": [{"sku": q.item.sku, "x": q.x, "y": q.y, "z": q.z,
                         "dx": q.dx, "dy": q.dy, "dz": q.dz} for q in p.placements]}
        for p in suggestion]}


@router.post("/v1/parcels", status_code=201,
             summary="Pack an order: parcels with SSCCs; the order becomes packed")
def pack_order(body: PackIn, request: Request, db: Engine = Depends(engine),
               principal: Principal = Depends(WAREHOUSE)) -> dict[str, Any]:
    settings = container(request).settings
    with transaction(db, write=True) as conn:
        stored = packing.pack(conn, body.order_id, actor=principal.actor,
                              company_prefix=settings.gs1_company_prefix, cartons=body.cartons)
    return {"order_id": body.order_id, "parcels": [
        {k: v for k, v in p.items() if k not in ("created_at", "updated_at")} for p in stored]}


@router.get("/v1/parcels/{parcel_id}", summary="One parcel")
def get_parcel(parcel_id: int, db: Engine = Depends(engine),
               _: Principal = Depends(READ)) -> dict[str, Any]:
    with db.connect() as conn:
        row = conn.execute(select(parcels).where(parcels.c.id == parcel_id)).first()
    if row is None:
        raise NotFound("parcel", str(parcel_id))
    return _parcel_json(row)


@router.post("/v1/parcels/{parcel_id}/weight",
             summary="The scale's reading: checked, or held with the reason")
def weigh(parcel_id: int, body: WeightIn, db: Engine = Depends(engine),
          principal: Principal = Depends(WAREHOUSE)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        check = packing.weigh(conn, parcel_id, grams=body.grams, actor=principal.actor)
    return {"parcel_id": parcel_id, "verdict": check.verdict.value, "ok": check.ok,
            "expected_g": check.expected_g, "measured_g": check.measured_g,
            "tolerance_g": check.tolerance_g, "reason": check.reason,
            "suspects": list(check.suspects)}


@router.post("/v1/parcels/{parcel_id}/accept", summary="Let a held parcel go, with a note")
def accept(parcel_id: int, body: AcceptIn, db: Engine = Depends(engine),
           principal: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        packing.accept(conn, parcel_id, note=body.note, actor=principal.actor)
        return _parcel_json(packing.lock_parcel(conn, parcel_id))


@router.post("/v1/parcels/{parcel_id}/label", summary="Print the parcel's label",
             responses={200: {"content": {"application/pdf": {}, "application/zpl": {}}}})
def label(parcel_id: int, request: Request,
          format: Annotated[str, Query(pattern="^(pdf|zpl)$")] = "pdf",
          db: Engine = Depends(engine),
          principal: Principal = Depends(WAREHOUSE)) -> Response:
    with db.connect() as conn:
        carrier = shipping.carrier_for(conn, parcel_id)
    made = shipping.label_parcel(db, parcel_id, gateway=gateway_for(request, carrier),
                                 config=shipping_config(request), actor=principal.actor,
                                 label_format=format)
    media = "application/pdf" if made.label_format == "pdf" else "application/zpl"
    return Response(made.label, media_type=media,
                    headers={"X-Tracking-Number": made.tracking_number})


@router.post("/v1/parcels/{parcel_id}/void", summary="Cancel the parcel's carrier label")
def void(parcel_id: int, request: Request, db: Engine = Depends(engine),
         principal: Principal = Depends(WAREHOUSE)) -> dict[str, Any]:
    with db.connect() as conn:
        row = conn.execute(select(parcels.c.carrier).where(parcels.c.id == parcel_id)).first()
    if row is None:
        raise NotFound("parcel", str(parcel_id))
    shipping.void_label(db, parcel_id, gateway=gateway_for(request, row.carrier or ""),
                        actor=principal.actor)
    return {"parcel_id": parcel_id, "status": "checked"}


@router.post("/v1/manifests", status_code=201,
             summary="Close the day for a carrier: every labelled parcel on one manifest")
def close_manifest(body: ManifestIn, request: Request, db: Engine = Depends(engine),
                   principal: Principal = Depends(WAREHOUSE)) -> dict[str, Any]:
    warehouse = body.warehouse or container(request).settings.warehouse
    with transaction(db, write=True) as conn:
        return shipping.close_manifest(conn, carrier=body.carrier, warehouse=warehouse,
                                       actor=principal.actor)


@router.get("/v1/manifests/{manifest_id}", summary="A manifest with its parcels")
def get_manifest(manifest_id: int, db: Engine = Depends(engine),
                 _: Principal = Depends(READ)) -> dict[str, Any]:
    with db.connect() as conn:
        return shipping.manifest_view(conn, manifest_id)


@router.post("/v1/handover", summary="The hand-over scan: the parcel (or manifest) ships")
def hand_over(body: HandOverIn, db: Engine = Depends(engine),
              principal: Principal = Depends(WAREHOUSE)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return {"shipped": shipping.hand_over(conn, body.code, actor=principal.actor)}


def _gettext(request: Request, lang: str | None) -> tuple[str, Any]:
    from doorstep.entrypoints.web.i18n import (
        DEFAULT_LANGUAGE,
        from_accept_language,
        supported,
        translations,
    )

    language = (supported(lang) or from_accept_language(request.headers.get("accept-language"))
                or DEFAULT_LANGUAGE)
    return language, translations(language).gettext


@router.get("/v1/parcels/{parcel_id}/packing-slip", summary="The parcel's packing slip (PDF)",
            responses={200: {"content": {"application/pdf": {}}}})
def packing_slip(parcel_id: int, request: Request,
                 lang: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
                 db: Engine = Depends(engine), _: Principal = Depends(READ)) -> Response:
    from doorstep.adapters.documents.packing_slip import render_slip

    sender = shipping_config(request).sender_lines()
    with db.connect() as conn:
        slip = shipping.slip_for(conn, parcel_id, sender=sender, return_address=sender)
    from doorstep.entrypoints.web.i18n import format_locale

    language, gettext = _gettext(request, lang)
    return Response(render_slip(slip, gettext, locale=format_locale(language)),
                    media_type="application/pdf", headers={"Content-Language": language})


@router.get("/v1/manifests/{manifest_id}/pdf", summary="The manifest for the carrier (PDF)",
            responses={200: {"content": {"application/pdf": {}}}})
def manifest_pdf(manifest_id: int, request: Request,
                 lang: Annotated[str | None, Query(pattern="^(de|en)$")] = None,
                 db: Engine = Depends(engine), _: Principal = Depends(READ)) -> Response:
    from doorstep.adapters.documents.packing_slip import render_manifest

    with db.connect() as conn:
        manifest = shipping.manifest_view(conn, manifest_id)
    from doorstep.entrypoints.web.i18n import format_locale

    language, gettext = _gettext(request, lang)
    return Response(render_manifest(manifest, gettext, locale=format_locale(language)),
                    media_type="application/pdf",
                    headers={"Content-Language": language})
