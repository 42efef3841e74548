"""Products, warehouses and locations.  Changes: operator; reading a product: every role."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.domain.catalogue import Product
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import correlation_id, engine
from doorstep.entrypoints.api.params import PathId
from doorstep.schemas.strict import Code, ShortText, TimeZoneName
from doorstep.services import catalogue
from doorstep.services.audit import AuditEntry, record

router = APIRouter(tags=["catalogue"])


class ProductIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    gtin: Code = Field(description="GTIN-8/12/13/14 with a valid check digit")
    name: ShortText
    weight_g: int = Field(gt=0, le=10_000_000)
    length_mm: int = Field(gt=0, le=100_000)
    width_mm: int = Field(gt=0, le=100_000)
    height_mm: int = Field(gt=0, le=100_000)


@router.put("/v1/products/{sku}", summary="Create or update a product")
def put_product(sku: PathId, body: ProductIn, request: Request, db: Engine = Depends(engine),
                principal: Principal = Depends(require(Role.OPERATOR))) -> JSONResponse:
    product = Product(sku=sku, **body.model_dump())
    with transaction(db, write=True) as conn:
        created = catalogue.upsert_product(conn, product)
        view = catalogue.get_product(conn, sku)
        record(conn, AuditEntry(actor=principal.actor, action="product.put",
                                object_type="product", object_id=sku,
                                correlation_id=correlation_id(request),
                                detail=body.model_dump(mode="json")))
    return JSONResponse(view, status_code=201 if created else 200)


@router.get("/v1/products/{sku}", summary="A product",
            dependencies=[Depends(require(Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE,
                                          Role.INTEGRATION))])
def get_product(sku: PathId, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return catalogue.get_product(conn, sku)


class WarehouseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ShortText
    timezone: TimeZoneName = "Europe/Berlin"
    locations: list[Code] = Field(default_factory=list, max_length=10_000,
                                  description="location codes ZONE-AA-BBB-L-N to add")


@router.put("/v1/warehouses/{code}", summary="Create or update a warehouse and add locations")
def put_warehouse(code: PathId, body: WarehouseIn, request: Request,
                  db: Engine = Depends(engine),
                  principal: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        catalogue.upsert_warehouse(conn, code, body.name, body.timezone)
        added = catalogue.add_locations(conn, code, body.locations)
        record(conn, AuditEntry(actor=principal.actor, action="warehouse.put",
                                object_type="warehouse", object_id=code,
                                correlation_id=correlation_id(request),
                                detail={"name": body.name, "locations_added": added}))
    return {"code": code, "locations_added": added}
