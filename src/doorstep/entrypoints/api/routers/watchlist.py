"""The watchlist over HTTP: parcels in trouble, marking them handled, notifying customers.

``GET /v1/watchlist`` is for staff who read (viewer, operator); the actions change state and
are written to the order's timeline under the caller's name, so they need an operator.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.promise_store import ModelFileError
from doorstep.domain.lead_time_sla import NO_SLA
from doorstep.domain.promise.model import PromiseModel
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.problems import problem
from doorstep.services.watchlist import NotificationsUnavailable, WatchlistService

router = APIRouter(tags=["watchlist"])
log = logging.getLogger("doorstep.cockpit")


def watchlist_service(request: Request) -> WatchlistService:
    """One service per app (it caches the carriers' scan history and the calendars)."""
    service: WatchlistService | None = getattr(request.app.state, "watchlist", None)
    if service is None:
        settings = container(request).settings
        service = WatchlistService(container(request).engine, timezone=settings.timezone,
                                   country=settings.country,
                                   notifier=getattr(request.app.state, "customer_notifier", None),
                                   sla=getattr(request.app.state, "lead_time_sla", NO_SLA))
        request.app.state.watchlist = service
    return service


def promise_model(request: Request) -> PromiseModel | None:
    """The fitted promise model, or None without one — or with an unreadable one, which is
    logged: the watchlist and the overview then fall back to history and defaults rather
    than failing the operator's screen."""
    source = getattr(request.app.state, "backlog_source", None)
    models = getattr(source, "models", None)
    if models is None:
        return None
    try:
        model: PromiseModel | None = models.get()
    except ModelFileError as exc:
        log.warning("promise model unusable for the cockpit: %s", exc)
        return None
    return model


class HandledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=2000, description="What was done, for the team.")


@router.get("/v1/watchlist", summary="Open parcels in trouble, oldest problem first",
            dependencies=[Depends(require(Role.VIEWER, Role.OPERATOR))])
async def get_watchlist(
    request: Request,
    category: str | None = Query(None, max_length=40),
    include_handled: bool = Query(False, description="also rows already marked handled"),
    limit: int = Query(500, ge=1, le=5000),
) -> dict[str, Any]:
    service = watchlist_service(request)
    model = promise_model(request)

    def run() -> dict[str, Any]:
        with service.engine.connect() as conn:
            return service.rows(conn, model=model, category=category,
                                include_handled=include_handled, limit=limit)

    return await run_in_threadpool(run)


@router.post("/v1/watchlist/{flag_id}/handled", summary="Mark a problem handled, with a note")
def post_handled(flag_id: str, body: HandledIn, request: Request,
                 principal: Principal = Depends(require(Role.OPERATOR))) -> dict[str, Any]:
    service = watchlist_service(request)
    with transaction(service.engine, write=True) as conn:
        return service.mark_handled(conn, flag_id, model=promise_model(request),
                                    actor=principal.actor, note=body.note)


@router.post("/v1/watchlist/{flag_id}/notify", summary="Tell the customer about the problem")
def post_notify(flag_id: str, request: Request,
                principal: Principal = Depends(require(Role.OPERATOR))) -> Any:
    """Hands the order to the customer-notification service; 501 while none is wired."""
    service = watchlist_service(request)
    try:
        with transaction(service.engine, write=True) as conn:
            return service.notify(conn, flag_id, model=promise_model(request),
                                  actor=principal.actor)
    except NotificationsUnavailable as exc:
        response: JSONResponse = problem(501, "Not implemented", str(exc))
        return response
