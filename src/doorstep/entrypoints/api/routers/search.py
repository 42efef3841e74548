"""Finding things: orders by any handle a customer or shop gives, waves, one parcel's scans.

Reads only.  Staff roles see every channel; an ``integration`` key sees its own channel's
orders and parcels and nothing else (another channel's order is simply not found).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.db.uow import single_read
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import engine
from doorstep.services.order_search import (
    MAX_LIMIT,
    OrderQuery,
    list_waves,
    parcel_tracking,
    search_orders,
)

router = APIRouter(tags=["search"])

READERS = (Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE, Role.INTEGRATION)


def channel_scope(principal: Principal) -> str | None:
    """The one channel an integration key is bound to; None for staff (all channels)."""
    if principal.role is Role.INTEGRATION:
        return principal.channel or ""  # a key without a channel sees nothing
    return None


@router.get("/v1/orders", summary="Search orders (newest first, cursor-paged)")
async def get_orders(
    number: str | None = Query(None, max_length=40, description="doorstep order id"),
    external_id: str | None = Query(None, max_length=100, description="the shop's order id"),
    order_number: str | None = Query(
        None, max_length=65,
        description="the number the customer knows from the shop ('#1001' or '1001')"),
    email: str | None = Query(None, max_length=254, description="customer e-mail (any case)"),
    tracking: str | None = Query(None, max_length=64, description="a parcel's tracking number"),
    # None, not default_factory=list: pydantic inspects a default factory's signature on
    # every request (inspect.signature(list) parses text), a tenth of the search's own CPU.
    status: list[str] | None = Query(None,
                                     description="one or more statuses (repeat or comma-separate)"),
    channel: str | None = Query(None, max_length=40),
    from_: datetime | None = Query(None, alias="from", description="accepted at or after"),
    to: datetime | None = Query(None, description="accepted before"),
    cursor: str | None = Query(None, max_length=400, description="next_cursor of a page"),
    limit: int = Query(50, ge=1, le=MAX_LIMIT),
    principal: Principal = Depends(require(*READERS)),
    db: Engine = Depends(engine),
) -> JSONResponse:
    statuses = tuple(s.strip() for item in status or () for s in item.split(",") if s.strip())
    query = OrderQuery(number=number, external_id=external_id, order_number=order_number,
                       email=email, tracking=tracking,
                       statuses=statuses, channel=channel, placed_from=from_, placed_to=to,
                       cursor=cursor, limit=limit, only_channel=channel_scope(principal))

    def run() -> JSONResponse:
        with single_read(db) as conn:
            page = search_orders(conn, query)
        # Every value is already a JSON type (timestamps as ISO text): rendered as it is,
        # without FastAPI's generic encoder walking each field of each row.
        return JSONResponse(page)

    return await run_in_threadpool(run)


@router.get("/v1/waves", summary="Waves newest first, with task counts (cursor-paged)",
            dependencies=[Depends(require(Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE))])
def get_waves(cursor: str | None = Query(None, max_length=400),
              limit: int = Query(50, ge=1, le=MAX_LIMIT),
              db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return list_waves(conn, cursor=cursor, limit=limit)


@router.get("/v1/tracking/{number}", summary="One parcel's harmonised events, raw codes kept")
def get_tracking(number: str, principal: Principal = Depends(require(*READERS)),
                 db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return parcel_tracking(conn, number, only_channel=channel_scope(principal))
