"""Waves from the order book and pick confirmations (stateful; see routers/picking.py for
the stateless planners)."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.domain.picking.batching import Cart
from doorstep.domain.picking.routing import METHODS
from doorstep.domain.picking.waves import WaveRules
from doorstep.entrypoints.api.deps import container, engine
from doorstep.services.sites import site_from_settings
from doorstep.services.waves import WaveSite, confirm_pick, release_wave, wave_view
from doorstep.settings import Settings

router = APIRouter(tags=["waves"])


@cache
def _site(settings: Settings) -> WaveSite:
    return site_from_settings(settings)


def site(request: Request) -> WaveSite:
    return _site(container(request).settings)


class WaveIn(BaseModel):
    max_orders: int = Field(default=40, ge=1, le=1000)
    max_lines: int | None = Field(default=None, ge=1)
    totes: int = Field(default=8, ge=1, le=64, description="orders per cart")
    batching: str = Field(default="savings", pattern="^(savings|seed|fcfs|single)$")
    routing: str = Field(default="exact", description=f"one of {', '.join(METHODS)}")
    actor: str = "api"


@router.post("/v1/waves", status_code=201, summary="Release a wave with routed pick lists")
def post_wave(body: WaveIn, db: Engine = Depends(engine),
              where: WaveSite = Depends(site)) -> dict[str, Any]:
    if body.routing not in METHODS:
        raise HTTPException(422, f"routing: {body.routing!r} is not one of {', '.join(METHODS)}")
    with transaction(db, write=True) as conn:
        return release_wave(conn, where, rules=WaveRules(max_orders=body.max_orders,
                                                         max_lines=body.max_lines),
                            cart=Cart(totes=body.totes), batching=body.batching,
                            routing=body.routing, actor=body.actor)


@router.get("/v1/waves/{wave_id}", summary="A wave's pick lists and task states")
def get_wave(wave_id: str, db: Engine = Depends(engine)) -> dict[str, Any]:
    with db.connect() as conn:
        return wave_view(conn, wave_id)


class ConfirmIn(BaseModel):
    picked: int = Field(ge=0, description="units actually taken; fewer than asked is a short pick")
    actor: str = Field(default="picker", min_length=1, max_length=100)


@router.post("/v1/pick-tasks/{task_id}/confirm", summary="Confirm a pick (or a short pick)")
def post_confirm(task_id: int, body: ConfirmIn, db: Engine = Depends(engine),
                 where: WaveSite = Depends(site)) -> dict[str, Any]:
    with transaction(db, write=True) as conn:
        return confirm_pick(conn, where, task_id, body.picked, actor=body.actor)
