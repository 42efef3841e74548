"""API routes: picking — stateless route, batch, wave, short-pick decision and SVG drawing.

A layout is sent inline (``layout``: the same structure as a layout file) or named
(``layout_name``): a named layout is looked up in ``app.state.picking_layouts`` (a dict the
application may fill) and then as ``<name>.yaml|.yml|.json`` in ``app.state.layouts_dir``
(default: ``$DOORSTEP_LAYOUTS_DIR`` or ``./layouts``).  Bad input is answered with 422 and a
message naming the field, e.g. ``body: orders[2].cutoff: must carry a time zone``.

The planners are bounded: at most ``settings.max_pick_orders`` orders per request, and each
runs in a worker thread within ``settings.planner_budget_s``, stopped between two tours when
the budget runs out or the client disconnects (``plan_runner``).

Roles: warehouse, operator (planning costs CPU, so never anonymous).
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from doorstep.adapters.layout_file import (
    Document,
    batch_orders_from_document,
    layout_from_data,
    load_layout,
    picks_from_document,
    wave_orders_from_document,
)
from doorstep.domain.picking import (
    Cart,
    Layout,
    ShortPick,
    WaveRules,
    decide_short_pick,
    plan_batches,
    plan_wave,
    render_svg,
    route,
    tour_length,
    tour_length_bound,
    walk_distance,
)
from doorstep.entrypoints.api.access import Principal, Role, require
from doorstep.entrypoints.api.plan_runner import Budget, run_planner
from doorstep.schemas.strict import Code, Finite, SaneDatetime
from doorstep.settings import Settings

PLANNERS = require(Role.WAREHOUSE, Role.OPERATOR)
router = APIRouter(tags=["picking"], dependencies=[Depends(PLANNERS)])

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
Method = Annotated[str, StringConstraints(max_length=40)]
ORDERS_HELP = "at most settings.max_pick_orders (default 300) orders per request"


def _settings(request: Request) -> Settings:
    container = getattr(request.app.state, "container", None)
    return container.settings if container is not None else Settings()


def _bounded(request: Request, orders: list[dict[str, Any]]) -> float:
    """Refuse more orders than the planners take; the time budget for the rest."""
    settings = _settings(request)
    if len(orders) > settings.max_pick_orders:
        raise HTTPException(422, f"orders: {len(orders)} orders; at most "
                                 f"{settings.max_pick_orders} per request")
    return settings.planner_budget_s


class _LayoutRef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    layout: dict[str, Any] | None = Field(default=None, description="inline layout")
    layout_name: str | None = Field(default=None, max_length=64,
                                    description="name of a stored layout")


class PickIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: Code
    sku: Code | None = None
    qty: int | None = Field(default=None, gt=0, le=10_000_000)


class RouteIn(_LayoutRef):
    picks: list[Code | PickIn] = Field(max_length=2000)
    method: Method = "exact"
    svg: bool = Field(default=False, description="also return the drawing as SVG text")


class CartIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    totes: int = Field(default=8, ge=1, le=1000)
    volume: Finite | None = Field(default=None, gt=0)
    weight: Finite | None = Field(default=None, gt=0)


class BatchIn(_LayoutRef):
    orders: list[dict[str, Any]] = Field(max_length=5000, description=ORDERS_HELP)
    method: Method = "savings"
    cart: CartIn = CartIn()
    local_search: bool = True
    routing: Method = "exact"


class RulesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    max_orders: int = Field(default=40, ge=1, le=5000)
    max_lines: int | None = Field(default=None, ge=1, le=1_000_000)
    at_risk_minutes: int = Field(default=120, ge=0, le=100_000)


class WaveIn(_LayoutRef):
    orders: list[dict[str, Any]] = Field(max_length=5000, description=ORDERS_HELP)
    now: SaneDatetime | None = None
    rules: RulesIn = RulesIn()
    cart: CartIn = CartIn()
    batching: Method = "savings"


class AlternativeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    location: Code
    free_qty: int = Field(ge=0, le=10_000_000)


class ShortPickIn(_LayoutRef):
    order_id: Code
    sku: Code
    location: Code
    requested: int = Field(gt=0, le=10_000_000)
    picked: int = Field(ge=0, le=10_000_000)
    at: SaneDatetime | None = None
    alternatives: list[AlternativeIn] = Field(default=[], max_length=1000)


def _layout(request: Request, ref: _LayoutRef) -> Layout:
    if (ref.layout is None) == (ref.layout_name is None):
        raise HTTPException(422, detail="give exactly one of layout or layout_name")
    try:
        if ref.layout is not None:
            return layout_from_data(ref.layout, "body: layout")
        return named_layout(request, ref.layout_name or "")
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc


def named_layout(request: Request, name: str) -> Layout:
    if not _NAME.match(name):
        raise HTTPException(422, detail=f"layout_name {name!r} is not a valid layout name")
    stored: dict[str, Layout] = getattr(request.app.state, "picking_layouts", None) or {}
    if name in stored:
        return stored[name]
    default_dir = os.environ.get("DOORSTEP_LAYOUTS_DIR", "layouts")
    folder = Path(getattr(request.app.state, "layouts_dir", None) or default_dir)
    for suffix in (".yaml", ".yml", ".json"):
        if (folder / f"{name}{suffix}").is_file():
            return load_layout(folder / f"{name}{suffix}")
    raise HTTPException(422, detail=f"layout_name: no layout called {name!r}")


def _aware(value: datetime | None, field: str) -> datetime:
    if value is None:
        return datetime.now(UTC)
    if value.tzinfo is None:
        raise HTTPException(422, detail=f"{field}: must carry a time zone")
    return value


def _route(request: Request, body: RouteIn, budget: Budget | None = None) -> tuple[Layout, Any]:
    lay = _layout(request, body)
    if budget is not None:
        budget.check()
    raw = [p if isinstance(p, str) else p.model_dump(exclude_none=True) for p in body.picks]
    try:
        items = picks_from_document(Document({"picks": raw}, {}, "body"), lay)
        return lay, route(lay, [i.location for i in items], body.method)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc


@router.post("/v1/pick/route")
async def pick_route(request: Request, body: RouteIn) -> dict[str, Any]:
    """The tour through the picks: ordered stops, distance in metres, method, polyline."""

    def plan(budget: Budget) -> dict[str, Any]:
        lay, tour = _route(request, body, budget)
        out: dict[str, Any] = tour.as_dict()
        if body.svg:
            out["svg"] = render_svg(lay, tour)
        return out

    return await run_planner(request, plan, _settings(request).planner_budget_s)


SVG: dict[int | str, dict[str, Any]] = {
    200: {"description": "The drawing.", "content": {"image/svg+xml": {}}}}


@router.post("/v1/pick/route.svg", response_class=Response, responses=SVG)
def pick_route_svg(request: Request, body: RouteIn) -> Response:
    """The layout and the tour drawn as SVG."""
    lay, tour = _route(request, body)
    return Response(render_svg(lay, tour), media_type="image/svg+xml")


@router.get("/v1/pick/route.svg", response_class=Response, responses=SVG)
def pick_route_svg_get(
    request: Request,
    layout_name: str = Query(..., description="name of a stored layout"),
    locations: str = Query(..., description="comma-separated location codes"),
    method: str = Query("exact"),
) -> Response:
    """The same drawing for a stored layout, addressable by URL (for ``<img src>``)."""
    codes = [c.strip() for c in locations.split(",") if c.strip()]
    try:
        body = RouteIn(layout_name=layout_name, picks=list(codes), method=method)
    except ValidationError as exc:
        raise RequestValidationError(
            [{**e, "loc": ("query", "locations" if e["loc"][0] == "picks" else e["loc"][0],
                           *e["loc"][1:])} for e in exc.errors()]) from exc
    lay, tour = _route(request, body)
    return Response(render_svg(lay, tour), media_type="image/svg+xml")


@router.post("/v1/pick/batch")
async def pick_batch(request: Request, body: BatchIn) -> dict[str, Any]:
    """Batch orders into cart tours; includes single-order and FCFS totals for comparison."""
    seconds = _bounded(request, body.orders)
    return await run_planner(request, lambda budget: _batch(request, body, budget), seconds,
                             size_hint=f"{len(body.orders)} orders")


def _batch(request: Request, body: BatchIn, budget: Budget) -> dict[str, Any]:
    lay = _layout(request, body)
    try:
        orders = batch_orders_from_document(Document({"orders": body.orders}, {}, "body"), lay)
        cart = Cart(body.cart.totes, body.cart.volume, body.cart.weight)

        def length(locs: Any) -> float:
            budget.check()
            return tour_length(lay, list(locs), body.routing)

        def bound(locs: Any) -> float:
            return tour_length_bound(lay, list(locs))

        plan = plan_batches(
            orders, cart, length, method=body.method, local_search=body.local_search,
            monotone=body.routing == "exact", lower_bound=bound,
        )
        baselines = {m: plan_batches(orders, cart, length, method=m) for m in ("single", "fcfs")}
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    out: dict[str, Any] = plan.as_dict()
    out["baselines"] = {
        m: {
            "total_distance": round(p.distance, 3),
            "saving": round(1 - plan.distance / p.distance, 4) if p.distance else 0.0,
        }
        for m, p in baselines.items()
    }
    return out


@router.post("/v1/pick/wave")
async def pick_wave(request: Request, body: WaveIn) -> dict[str, Any]:
    """Choose the orders to release now, batch and route them, return the pick lists."""
    seconds = _bounded(request, body.orders)
    return await run_planner(request, lambda budget: _wave(request, body, budget), seconds,
                             size_hint=f"{len(body.orders)} orders")


def _wave(request: Request, body: WaveIn, budget: Budget) -> dict[str, Any]:
    lay = _layout(request, body)
    now = _aware(body.now, "now")
    try:
        orders = wave_orders_from_document(Document({"orders": body.orders}, {}, "body"), lay)
        rules = WaveRules(
            body.rules.max_orders,
            body.rules.max_lines,
            timedelta(minutes=body.rules.at_risk_minutes),
        )
        cart = Cart(body.cart.totes, body.cart.volume, body.cart.weight)
        wave = plan_wave(lay, orders, now, rules=rules, cart=cart, batching=body.batching,
                         check=budget.check)
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return wave.as_dict()


@router.post("/v1/pick/short-pick")
async def pick_short(request: Request, body: ShortPickIn,
                     principal: Principal = Depends(PLANNERS)) -> dict[str, Any]:
    """Decide a short pick: re-allocate from the nearest locations or backorder (stateless)."""
    # One walk per alternative: on a large graph layout 1,000 alternatives took 92 s.
    return await run_planner(request, lambda budget: _short(request, body, principal, budget),
                             _settings(request).planner_budget_s,
                             size_hint=f"{len(body.alternatives)} alternatives")


def _short(request: Request, body: ShortPickIn, principal: Principal,
           budget: Budget) -> dict[str, Any]:
    lay = _layout(request, body)

    def distance(a: str, b: str) -> float:
        budget.check()
        return walk_distance(lay, a, b)

    short = ShortPick(
        body.order_id,
        body.sku,
        body.location,
        body.requested,
        body.picked,
        _aware(body.at, "at"),
        principal.actor,
    )
    try:
        decision = decide_short_pick(
            short,
            [(a.location, a.free_qty) for a in body.alternatives],
            distance,
        )
    except ValueError as exc:
        raise HTTPException(422, detail=str(exc)) from exc
    return {
        "reallocations": [
            {"location": r.location, "qty": r.qty, "distance": round(r.distance, 3)}
            for r in decision.reallocations
        ],
        "backordered": decision.backordered,
        "event": decision.event,
    }
