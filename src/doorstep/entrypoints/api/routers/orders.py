"""Order intake and order operations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine

from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.api.deps import engine
from doorstep.entrypoints.api.params import PathId
from doorstep.schemas.orders import OrderIn
from doorstep.schemas.strict import ActorName, Code, PositiveCount, RowId, ShortText
from doorstep.services import order_flow
from doorstep.services.intake import IntakeRequest
from doorstep.services.intake_batcher import IntakeBatcher
from doorstep.services.order_views import order_view

router = APIRouter(tags=["orders"])

IDEMPOTENCY_HELP = "A unique key per order attempt; retries must send the same key and body."


def require_key(value: str | None) -> str:
    if value is None or not value.strip():
        raise HTTPException(400, "header Idempotency-Key: required (e.g. a UUID per order)")
    if len(value) > 200:
        raise HTTPException(400, "header Idempotency-Key: longer than 200 characters")
    return value.strip()


@router.post("/v1/orders", status_code=201, summary="Accept an order exactly once")
async def create_order(
    order: OrderIn,
    request: Request,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key",
                                         description=IDEMPOTENCY_HELP),
) -> JSONResponse:
    """201 once the order is durably stored (group-committed with concurrent orders)."""
    batcher: IntakeBatcher = request.app.state.intake_batcher
    result = await batcher.submit(IntakeRequest.of(order, require_key(idempotency_key)))
    headers = {"Location": f"/v1/orders/{result.order_id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.response, status_code=201, headers=headers)


@router.get("/v1/orders/{order_id}", summary="An order with its event timeline")
def get_order(order_id: PathId, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return order_view(conn, order_id)


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ShortText = "requested"
    actor: ActorName = "api"


@router.post("/v1/orders/{order_id}/cancel", summary="Cancel before shipping")
def cancel_order(order_id: PathId, body: CancelIn | None = None,
                 db: Engine = Depends(engine)) -> dict[str, Any]:
    body = body or CancelIn()
    with transaction(db, write=True) as conn:
        order_flow.cancel(conn, order_id, actor=body.actor, reason=body.reason)
    with db.connect() as conn:
        return order_view(conn, order_id)


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: Code = Field(max_length=40)
    tracking_number: Code
    quantities: dict[RowId, PositiveCount] | None = Field(
        default=None, min_length=1, max_length=500,
        description="line_no → units (at least 1) in this parcel; omit to ship all picked")
    actor: ActorName = "api"


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    actor: ActorName = "api"
    carton: Code | None = None


@router.post("/v1/orders/{order_id}/shipments", status_code=201, summary="Hand over a parcel")
def ship(order_id: PathId, body: ShipIn, db: Engine = Depends(engine)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        order_flow.ship(conn, order_id, actor=body.actor, carrier=body.carrier,
                        tracking_number=body.tracking_number, quantities=body.quantities)
    with db.connect() as conn:
        return order_view(conn, order_id)


@router.post("/v1/orders/{order_id}/{step}", summary="Advance an order one step")
def advance(order_id: PathId, step: PathId, body: StepIn | None = None,
            db: Engine = Depends(engine)) -> dict[str, Any]:
    """Steps: release, start-picking, pick-all, pack, deliver (ship has its own route)."""
    body = body or StepIn()
    steps: dict[str, Callable[[Connection], object]] = {
        "release": lambda c: order_flow.release(c, order_id, actor=body.actor),
        "start-picking": lambda c: order_flow.start_picking(c, order_id, actor=body.actor),
        "pick-all": lambda c: order_flow.pick_all(c, order_id, actor=body.actor),
        "pack": lambda c: order_flow.pack(c, order_id, actor=body.actor, carton=body.carton),
        "deliver": lambda c: order_flow.deliver(c, order_id, actor=body.actor),
    }
    if step == "ship":
        raise HTTPException(422, "body: shipping needs carrier and tracking_number; "
                                 "POST /v1/orders/{id}/shipments")
    if step not in steps:
        raise HTTPException(404, f"path step: unknown step {step!r}; one of {sorted(steps)}")
    with transaction(db, write=True) as conn:
        steps[step](conn)
    with db.connect() as conn:
        return order_view(conn, order_id)
