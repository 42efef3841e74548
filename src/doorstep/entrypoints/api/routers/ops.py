"""The operator's overview data: alert states now, and (``/v1/ops/overview``) the figures.

Read-only; staff roles that read (viewer, operator).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool

from doorstep.entrypoints.api.access import Role, require
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.routers.watchlist import promise_model
from doorstep.entrypoints.api.slo_metrics import promise_health_cache
from doorstep.services.alert_states import alert_states
from doorstep.services.overview import OverviewService

router = APIRouter(tags=["operations"])
STAFF_READERS = (Role.VIEWER, Role.OPERATOR)


@router.get("/v1/ops/alerts", summary="Alert states (Prometheus's, or computed locally)",
            dependencies=[Depends(require(*STAFF_READERS))])
async def get_alerts(request: Request) -> dict[str, Any]:
    c = container(request)
    health = promise_health_cache(request)
    return await run_in_threadpool(alert_states, c.engine, c.settings, health=health)


def overview_service(request: Request) -> OverviewService:
    """One per app: it caches the weekly lane statistics."""
    service: OverviewService | None = getattr(request.app.state, "overview", None)
    if service is None:
        c = container(request)
        service = OverviewService(c.engine, c.settings, promise_health_cache(request))
        request.app.state.overview = service
    return service


@router.get("/v1/ops/overview", summary="Orders, intake, backlog vs cut-offs, outbox, "
            "quarantine, promise health and lanes in one read",
            dependencies=[Depends(require(*STAFF_READERS))])
async def get_overview(request: Request) -> dict[str, Any]:
    service = overview_service(request)
    return await run_in_threadpool(service.overview, promise_model(request))
