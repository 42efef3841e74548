"""Order intake and order operations.

Who may do what (``admin`` always may)::

    POST /v1/orders                      integration (own channel), operator
    GET  /v1/orders/{id}                 viewer, operator, warehouse, integration (own channel)
    POST /v1/orders/{id}/cancel          operator, integration (own channel)
    POST /v1/orders/{id}/shipments       warehouse, operator
    POST /v1/orders/{id}/{step}          warehouse, operator (deliver: operator only)

An order outside an integration key's channel answers 404 like a missing one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Connection, Engine, select

from doorstep.adapters.db.tables import orders
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import NotFound
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import correlation_id, engine
from doorstep.entrypoints.api.params import PathId
from doorstep.schemas.orders import OrderIn
from doorstep.schemas.strict import Code, PositiveCount, RowId, ShortText
from doorstep.services import order_flow
from doorstep.services.audit import AuditEntry, record
from doorstep.services.intake import IntakeRequest
from doorstep.services.intake_batcher import IntakeBatcher
from doorstep.services.order_views import order_view

router = APIRouter(tags=["orders"])

IDEMPOTENCY_HELP = ("A unique key per order attempt; retries must send the same key and "
                    "body. Keys are remembered per API key.")

PLACE = require(Role.INTEGRATION, Role.OPERATOR)
READ = require(Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE, Role.INTEGRATION)
CANCEL = require(Role.OPERATOR, Role.INTEGRATION)
FLOOR = require(Role.WAREHOUSE, Role.OPERATOR)


def require_key(value: str | None) -> str:
    if value is None or not value.strip():
        raise HTTPException(400, "header Idempotency-Key: required (e.g. a UUID per order)")
    if len(value) > 200:
        raise HTTPException(400, "header Idempotency-Key: longer than 200 characters")
    return value.strip()


def order_for(principal: Principal, order: OrderIn) -> OrderIn:
    """The order as this principal may place it: an integration key's channel is its own.

    A body without ``channel`` takes the key's channel; a body naming another channel is
    refused (403) rather than silently moved.
    """
    if principal.role is not Role.INTEGRATION:
        return order
    if "channel" not in order.model_fields_set:
        return order.model_copy(update={"channel": principal.channel})
    if order.channel != principal.channel:
        raise HTTPException(403, f"channel: this API key places orders for channel "
                                 f"{principal.channel!r} only")
    return order


def channel_filter(principal: Principal) -> str | None:
    return principal.channel if principal.role is Role.INTEGRATION else None


def ensure_visible(conn: Connection, order_id: str, principal: Principal) -> None:
    """``NotFound`` unless the order exists and the principal may see it."""
    query = select(orders.c.id).where(orders.c.id == order_id)
    channel = channel_filter(principal)
    if channel is not None:
        query = query.where(orders.c.channel == channel)
    if conn.execute(query).first() is None:
        raise NotFound("order", order_id)


@router.post("/v1/orders", status_code=201, summary="Accept an order exactly once")
async def create_order(
    order: OrderIn,
    request: Request,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key",
                                         description=IDEMPOTENCY_HELP),
    principal: Principal = Depends(PLACE),
) -> JSONResponse:
    """201 once the order is durably stored (group-committed with concurrent orders)."""
    batcher: IntakeBatcher = request.app.state.intake_batcher
    result = await batcher.submit(IntakeRequest.of(
        order_for(principal, order), require_key(idempotency_key),
        scope=principal.idempotency_scope, actor=principal.actor,
        correlation_id=correlation_id(request)))
    headers = {"Location": f"/v1/orders/{result.order_id}"}
    if result.replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(result.response, status_code=201, headers=headers)


@router.get("/v1/orders/{order_id}", summary="An order with its event timeline")
def get_order(order_id: PathId, db: Engine = Depends(engine),
              principal: Principal = Depends(READ)) -> dict[str, Any]:
    with db.connect() as conn:
        return order_view(conn, order_id, channel=channel_filter(principal))


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: ShortText = "requested"


def _audit(conn: Connection, request: Request, principal: Principal, action: str,
           order_id: str, **detail: Any) -> None:
    record(conn, AuditEntry(actor=principal.actor, action=action, object_type="order",
                            object_id=order_id, correlation_id=correlation_id(request),
                            detail=detail))


@router.post("/v1/orders/{order_id}/cancel", summary="Cancel before shipping")
def cancel_order(order_id: PathId, request: Request, body: CancelIn | None = None,
                 db: Engine = Depends(engine),
                 principal: Principal = Depends(CANCEL)) -> dict[str, Any]:
    body = body or CancelIn()
    with transaction(db, write=True) as conn:
        ensure_visible(conn, order_id, principal)
        order_flow.cancel(conn, order_id, actor=principal.actor, reason=body.reason)
        _audit(conn, request, principal, "order.cancel", order_id, reason=body.reason)
    with db.connect() as conn:
        return order_view(conn, order_id, channel=channel_filter(principal))


class ShipIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carrier: Code = Field(max_length=40)
    tracking_number: Code
    quantities: dict[RowId, PositiveCount] | None = Field(
        default=None, min_length=1, max_length=500,
        description="line_no → units (at least 1) in this parcel; omit to ship all picked")


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    carton: Code | None = None


@router.post("/v1/orders/{order_id}/shipments", status_code=201, summary="Hand over a parcel")
def ship(order_id: PathId, body: ShipIn, request: Request, db: Engine = Depends(engine),
         principal: Principal = Depends(FLOOR)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        order_flow.ship(conn, order_id, actor=principal.actor, carrier=body.carrier,
                        tracking_number=body.tracking_number, quantities=body.quantities)
        _audit(conn, request, principal, "order.ship", order_id, carrier=body.carrier,
               tracking_number=body.tracking_number)
    with db.connect() as conn:
        return order_view(conn, order_id)


@router.post("/v1/orders/{order_id}/{step}", summary="Advance an order one step")
def advance(order_id: PathId, step: PathId, request: Request, body: StepIn | None = None,
            db: Engine = Depends(engine),
            principal: Principal = Depends(FLOOR)) -> dict[str, Any]:
    """Steps: release, start-picking, pick-all, pack, deliver (ship has its own route).

    ``deliver`` by hand overrides the carrier's scans, so only an operator may.
    """
    body = body or StepIn()
    actor = principal.actor
    steps: dict[str, Callable[[Connection], object]] = {
        "release": lambda c: order_flow.release(c, order_id, actor=actor),
        "start-picking": lambda c: order_flow.start_picking(c, order_id, actor=actor),
        "pick-all": lambda c: order_flow.pick_all(c, order_id, actor=actor),
        "pack": lambda c: order_flow.pack(c, order_id, actor=actor, carton=body.carton),
        "deliver": lambda c: order_flow.deliver(c, order_id, actor=actor),
    }
    if step == "ship":
        raise HTTPException(422, "body: shipping needs carrier and tracking_number; "
                                 "POST /v1/orders/{id}/shipments")
    if step not in steps:
        raise HTTPException(404, f"path step: unknown step {step!r}; one of {sorted(steps)}")
    if step == "deliver" and not principal.may(frozenset({Role.OPERATOR})):
        raise HTTPException(403, "marking an order delivered by hand needs role operator")
    with transaction(db, write=True) as conn:
        steps[step](conn)
        _audit(conn, request, principal, f"order.{step}", order_id)
    with db.connect() as conn:
        return order_view(conn, order_id)
