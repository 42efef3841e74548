"""Waves from the order book and pick confirmations (stateful; see routers/picking.py for
the stateless planners).

Releasing a wave: operator, warehouse.  Confirming a pick: warehouse, operator.  Reading a
wave: viewer, operator, warehouse."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.domain.picking.batching import Cart
from doorstep.domain.picking.routing import METHODS
from doorstep.domain.picking.waves import WaveRules
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.deps import container, correlation_id, engine
from doorstep.entrypoints.api.params import PathId, PathRowId
from doorstep.entrypoints.api.plan_runner import Budget, PlanningStopped
from doorstep.services.audit import AuditEntry, record
from doorstep.services.sites import site_from_settings
from doorstep.services.waves import WaveSite, confirm_pick, release_wave, wave_view
from doorstep.settings import Settings

router = APIRouter(tags=["waves"])
FLOOR = require(Role.OPERATOR, Role.WAREHOUSE)


@cache
def _site(settings: Settings) -> WaveSite:
    return site_from_settings(settings)


def site(request: Request) -> WaveSite:
    return _site(container(request).settings)


class WaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_orders: int = Field(default=40, ge=1, le=1000)
    max_lines: int | None = Field(default=None, ge=1, le=100_000)
    totes: int = Field(default=8, ge=1, le=64, description="orders per cart")
    batching: str = Field(default="savings", pattern="^(savings|seed|fcfs|single)$")
    routing: str = Field(default="exact", max_length=40,
                         description=f"one of {', '.join(METHODS)}")


@router.post("/v1/waves", status_code=201, summary="Release a wave with routed pick lists")
def post_wave(body: WaveIn, request: Request, db: Engine = Depends(engine),
              where: WaveSite = Depends(site),
              principal: Principal = Depends(FLOOR)) -> dict[str, Any]:
    if body.routing not in METHODS:
        raise HTTPException(422, f"routing: {body.routing!r} is not one of {', '.join(METHODS)}")
    limit = container(request).settings.max_pick_orders
    if body.max_orders > limit:
        raise HTTPException(422, f"max_orders: at most {limit} orders per wave (the planner's "
                                 "bound; settings.max_pick_orders)")
    budget = Budget(container(request).settings.planner_budget_s)
    try:
        with transaction(db, write=True) as conn:
            view = release_wave(conn, where, rules=WaveRules(max_orders=body.max_orders,
                                                             max_lines=body.max_lines),
                                cart=Cart(totes=body.totes), batching=body.batching,
                                routing=body.routing, actor=principal.actor, check=budget.check)
            record(conn, AuditEntry(actor=principal.actor, action="wave.release",
                                    object_type="wave", object_id=str(view.get("id", "")),
                                    correlation_id=correlation_id(request),
                                    detail=body.model_dump(mode="json")))
            return view
    except PlanningStopped as exc:  # rolled back: nothing of the wave is stored
        raise HTTPException(422, f"planning stopped: {exc.reason} after the budget of "
                                 f"{budget.seconds:g} s; release a smaller wave "
                                 "(max_orders)") from exc


@router.get("/v1/waves/{wave_id}", summary="A wave's pick lists and task states",
            dependencies=[Depends(require(Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE))])
def get_wave(wave_id: PathId, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return wave_view(conn, wave_id)


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    picked: int = Field(ge=0, le=10_000_000,
                        description="units actually taken; fewer than asked is a short pick")


@router.post("/v1/pick-tasks/{task_id}/confirm", summary="Confirm a pick (or a short pick)")
def post_confirm(task_id: PathRowId, body: ConfirmIn, request: Request,
                 db: Engine = Depends(engine), where: WaveSite = Depends(site),
                 principal: Principal = Depends(FLOOR)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        view = confirm_pick(conn, where, task_id, body.picked, actor=principal.actor)
        record(conn, AuditEntry(actor=principal.actor, action="pick.confirm",
                                object_type="pick_task", object_id=str(task_id),
                                correlation_id=correlation_id(request),
                                detail={"picked": body.picked}))
        return view
