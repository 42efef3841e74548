"""Customer notifications for operators: what was sent, what waits, the dead letters.

``GET /v1/notifications?status=dead`` lists messages that failed their last attempt (with
the error); ``POST /v1/notifications/{id}/retry`` gives one another round of attempts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from doorstep.adapters.db.notify_tables import notifications
from doorstep.domain.errors import NotFound
from doorstep.entrypoints.api.access import Role, require
from doorstep.entrypoints.api.deps import engine
from doorstep.services.notify_delivery import retry_dead

router = APIRouter(tags=["notifications"])
STATUSES = ("pending", "sent", "dead")


def _public(row: Any) -> dict[str, Any]:
    return {"id": row.id, "order_id": row.order_id, "parcel": row.parcel or None,
            "kind": row.kind, "revision": row.revision or None, "channel": row.channel,
            "status": row.status, "message_id": row.message_id, "recipient": row.recipient,
            "language": row.language, "attempts": row.attempts,
            "created_at": row.created_at.isoformat(),
            "next_attempt_at": row.available_at.isoformat() if row.status == "pending"
            else None,
            "sent_at": row.sent_at.isoformat() if row.sent_at else None,
            "last_error": row.last_error}


@router.get("/v1/notifications", summary="Customer notifications (dead letters with ?status=dead)",
            dependencies=[Depends(require(Role.OPERATOR, Role.VIEWER))])
def list_notifications(request: Request,
                       status: str | None = Query(None, pattern="^(pending|sent|dead)$"),
                       order_id: str | None = Query(None, max_length=40),
                       limit: int = Query(100, ge=1, le=1000)) -> dict[str, Any]:
    query = select(notifications).order_by(notifications.c.id.desc()).limit(limit)
    if status:
        query = query.where(notifications.c.status == status)
    if order_id:
        query = query.where(notifications.c.order_id == order_id)
    with engine(request).connect() as conn:
        rows = conn.execute(query).all()
    return {"items": [_public(r) for r in rows]}


@router.post("/v1/notifications/{notification_id}/retry",
             summary="Send a dead letter again (a new round of attempts)",
             dependencies=[Depends(require(Role.OPERATOR))])
def retry(request: Request, notification_id: int) -> dict[str, Any]:
    if not retry_dead(engine(request), notification_id):
        raise NotFound("dead notification", str(notification_id))
    with engine(request).connect() as conn:
        row = conn.execute(select(notifications)
                           .where(notifications.c.id == notification_id)).one()
    return _public(row)
