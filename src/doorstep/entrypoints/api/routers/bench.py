"""A bare endpoint for the intake benchmark: same validation and hashing, stores nothing.

Mounted only when ``DOORSTEP_BENCH_ENDPOINTS=1``, so production servers never expose it.
It checks the caller's key exactly as ``POST /v1/orders`` does, so the benchmark's ratio
compares like with like.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header
from fastapi.responses import JSONResponse

from doorstep.entrypoints.api.access import Principal
from doorstep.entrypoints.api.routers.orders import PLACE, order_for, require_key
from doorstep.schemas.orders import OrderIn
from doorstep.services.intake import IntakeRequest

router = APIRouter(tags=["benchmark"], include_in_schema=False)


@router.post("/v1/_bare/orders", status_code=201)
async def bare_order(order: OrderIn,
                     idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
                     principal: Principal = Depends(PLACE)) -> JSONResponse:
    key = require_key(idempotency_key)
    order = order_for(principal, order)
    IntakeRequest.of(order, key, scope=principal.idempotency_scope,  # same fingerprinting
                     actor=principal.actor)
    body: dict[str, Any] = {"id": key, "external_id": order.external_id, "status": "received"}
    return JSONResponse(body, status_code=201)
