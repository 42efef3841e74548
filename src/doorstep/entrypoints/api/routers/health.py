"""Liveness and readiness: public, so load balancers and orchestrators need no key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from doorstep.adapters.db.schema import schema_status
from doorstep.entrypoints.api.access import public
from doorstep.entrypoints.api.deps import container
from doorstep.services.outbox import outbox_lag_seconds

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is alive",
            dependencies=[Depends(public("liveness probe for load balancers; says only ok"))])
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Database reachable, schema current, outbox lag",
            dependencies=[Depends(public("readiness probe for orchestrators; no data"))])
def readyz(request: Request) -> JSONResponse:
    db = container(request).engine
    body: dict[str, Any] = {}
    try:
        with db.connect() as conn:
            conn.execute(text("SELECT 1"))
        body["database"] = "ok"
        status = schema_status(db)
        body["schema"] = {"current": status.current, "head": status.head,
                          "up_to_date": status.up_to_date}
        body["outbox_lag_s"] = round(outbox_lag_seconds(db), 3)
        ready = status.up_to_date
    except Exception as exc:  # readiness reports any failure instead of raising
        body["database"] = f"unreachable: {type(exc).__name__}"
        ready = False
    body["status"] = "ready" if ready else "not ready"
    return JSONResponse(body, status_code=200 if ready else 503)
