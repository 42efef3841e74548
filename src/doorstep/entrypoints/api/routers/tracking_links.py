"""The customer's tracking link for staff and shops: read it (made on first use), revoke it.

A shop puts the link in its own e-mails and account pages; revoking (a leaked link) makes the
old token answer like an unknown one and returns the new link.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from sqlalchemy import select

from doorstep.adapters.db.tables import orders
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import NotFound
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container, engine
from doorstep.services.tracking_links import ensure_token, revoke

router = APIRouter(tags=["tracking page"])


def tracking_url(request: Request, token: str) -> str:
    """The public link: ``public_base_url`` when set, else this server's own address."""
    base = container(request).settings.public_base_url.rstrip("/") or str(
        request.base_url).rstrip("/")
    return f"{base}/track/{token}"


def _check_visible(conn: Any, order_id: str, principal: Principal) -> None:
    channel = conn.execute(select(orders.c.channel).where(orders.c.id == order_id)).scalar()
    if channel is None or (principal.channel is not None and channel != principal.channel):
        raise NotFound("order", order_id)


@router.get("/v1/orders/{order_id}/tracking-link",
            summary="The customer's tracking page link for this order (made on first use)")
def get_link(request: Request, order_id: str,
             principal: Principal = Depends(require(Role.OPERATOR, Role.INTEGRATION))
             ) -> dict[str, str]:
    with transaction(engine(request), write=True) as conn:
        _check_visible(conn, order_id, principal)
        token = ensure_token(conn, order_id)
    return {"order_id": order_id, "url": tracking_url(request, token)}


@router.post("/v1/orders/{order_id}/tracking-link/revoke",
             summary="Revoke the order's tracking link and make a new one")
def revoke_link(request: Request, order_id: str,
                principal: Principal = Depends(require(Role.OPERATOR))) -> dict[str, str]:
    with transaction(engine(request), write=True) as conn:
        _check_visible(conn, order_id, principal)
        token = revoke(conn, order_id)
    return {"order_id": order_id, "url": tracking_url(request, token)}
