"""Receiving and adjusting stock, and reading levels.

Receipts: warehouse, operator.  Adjustments: warehouse, operator (audited with the reason).
Levels: every role but none (integration keys sync stock to their shop).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import stock
from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import correlation_id, engine
from doorstep.entrypoints.api.params import PathId
from doorstep.schemas.strict import Code, ShortText
from doorstep.services import stock_ledger
from doorstep.services.audit import AuditEntry, record

router = APIRouter(tags=["stock"])


# One receipt or adjustment moves at most this many units (a typo guard far above any pallet).
MAX_UNITS = 10_000_000


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    location: Code
    quantity: int = Field(gt=0, le=MAX_UNITS)
    reason: ShortText = "goods receipt"


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    location: Code
    delta: int = Field(ge=-MAX_UNITS, le=MAX_UNITS,
                       description="positive adds, negative removes; never below reserved")
    reason: ShortText


def levels(db: Engine, sku: str) -> dict[str, Any]:
    with db.connect() as conn:
        rows = conn.execute(select(stock).where(stock.c.sku == sku).order_by(stock.c.id)).all()
    return {"sku": sku,
            "on_hand": sum(r.on_hand for r in rows),
            "reserved": sum(r.reserved for r in rows),
            "available": sum(r.on_hand - r.reserved for r in rows),
            "locations": [{"warehouse": r.warehouse, "location": r.location,
                           "on_hand": r.on_hand, "reserved": r.reserved} for r in rows]}


FLOOR = require(Role.WAREHOUSE, Role.OPERATOR)


def _audit(request: Request, principal: Principal, action: str, body: BaseModel
           ) -> AuditEntry:
    detail = body.model_dump(mode="json")
    return AuditEntry(actor=principal.actor, action=action, object_type="stock",
                      object_id=f"{detail['sku']}@{detail['location']}",
                      correlation_id=correlation_id(request), detail=detail)


@router.post("/v1/stock/receipts", status_code=201, summary="Put received units on hand")
def receive(body: ReceiptIn, request: Request, db: Engine = Depends(engine),
            principal: Principal = Depends(FLOOR)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        stock_ledger.receive(conn, sku=body.sku, location=body.location,
                             quantity=body.quantity, reason=body.reason, actor=principal.actor)
        record(conn, _audit(request, principal, "stock.receive", body))
    return levels(db, body.sku)


@router.post("/v1/stock/adjustments", status_code=201, summary="Correct on-hand with a reason")
def adjust(body: AdjustmentIn, request: Request, db: Engine = Depends(engine),
           principal: Principal = Depends(FLOOR)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        stock_ledger.adjust(conn, sku=body.sku, location=body.location, delta=body.delta,
                            reason=body.reason, actor=principal.actor)
        record(conn, _audit(request, principal, "stock.adjust", body))
    return levels(db, body.sku)


@router.get("/v1/stock/{sku}", summary="Stock levels of a SKU per location",
            dependencies=[Depends(require(Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE,
                                          Role.INTEGRATION))])
def get_levels(sku: PathId, db: Engine = Depends(engine)) -> dict[str, Any]:
    return levels(db, sku)
