"""Receiving and adjusting stock, and reading levels."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import stock
from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.api.deps import engine
from doorstep.entrypoints.api.params import PathId
from doorstep.schemas.strict import ActorName, Code, ShortText
from doorstep.services import stock_ledger

router = APIRouter(tags=["stock"])


# One receipt or adjustment moves at most this many units (a typo guard far above any pallet).
MAX_UNITS = 10_000_000


class ReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    location: Code
    quantity: int = Field(gt=0, le=MAX_UNITS)
    reason: ShortText = "goods receipt"
    actor: ActorName = "api"


class AdjustmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sku: Code
    location: Code
    delta: int = Field(ge=-MAX_UNITS, le=MAX_UNITS,
                       description="positive adds, negative removes; never below reserved")
    reason: ShortText
    actor: ActorName = "api"


def levels(db: Engine, sku: str) -> dict[str, Any]:
    with db.connect() as conn:
        rows = conn.execute(select(stock).where(stock.c.sku == sku).order_by(stock.c.id)).all()
    return {"sku": sku,
            "on_hand": sum(r.on_hand for r in rows),
            "reserved": sum(r.reserved for r in rows),
            "available": sum(r.on_hand - r.reserved for r in rows),
            "locations": [{"warehouse": r.warehouse, "location": r.location,
                           "on_hand": r.on_hand, "reserved": r.reserved} for r in rows]}


@router.post("/v1/stock/receipts", status_code=201, summary="Put received units on hand")
def receive(body: ReceiptIn, db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        stock_ledger.receive(conn, sku=body.sku, location=body.location,
                             quantity=body.quantity, reason=body.reason, actor=body.actor)
    return levels(db, body.sku)


@router.post("/v1/stock/adjustments", status_code=201, summary="Correct on-hand with a reason")
def adjust(body: AdjustmentIn, db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        stock_ledger.adjust(conn, sku=body.sku, location=body.location, delta=body.delta,
                            reason=body.reason, actor=body.actor)
    return levels(db, body.sku)


@router.get("/v1/stock/{sku}", summary="Stock levels of a SKU per location")
def get_levels(sku: PathId, db: Engine = Depends(engine)) -> dict[str, Any]:
    return levels(db, sku)
