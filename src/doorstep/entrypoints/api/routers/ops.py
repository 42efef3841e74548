"""The operator's overview data: alert states now, and (``/v1/ops/overview``) the figures.

Read-only; staff roles that read (viewer, operator).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from doorstep.entrypoints.api.access import Role, require
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.slo_metrics import promise_health_cache
from doorstep.services.alert_states import alert_states

router = APIRouter(tags=["operations"])
STAFF_READERS = (Role.VIEWER, Role.OPERATOR)


@router.get("/v1/ops/alerts", summary="Alert states (Prometheus's, or computed locally)",
            dependencies=[Depends(require(*STAFF_READERS))])
async def get_alerts(request: Request) -> dict[str, Any]:
    c = container(request)
    health = promise_health_cache(request)
    return await run_in_threadpool(alert_states, c.engine, c.settings, health=health)
