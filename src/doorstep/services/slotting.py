"""Slotting plan from the database: which SKUs to move so that the last weeks' orders walk
less, measured with the exact router on those same orders.

Where a SKU is: its pick location with the most units on hand.  Velocity: how many of the
orders accepted in the last ``weeks`` weeks picked it.  The plan re-deals the SKUs'
current locations (``domain.receiving.putaway.plan_slotting``), then every order of the
period is routed (``exact``) with the locations before and after the moves.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from doorstep.adapters.db.tables import stock
from doorstep.domain.picking.layout import Layout
from doorstep.domain.picking.routing import tour_length
from doorstep.domain.receiving.putaway import Move, depot_distance, plan_slotting, velocity_ranks
from doorstep.services.events import utcnow
from doorstep.services.putaway import recent_order_skus

__all__ = ["SlottingPlan", "slotting_plan"]


@dataclass(frozen=True, slots=True)
class SlottingPlan:
    moves: list[Move]
    orders: int
    walk_before_m: float
    walk_after_m: float

    @property
    def saving(self) -> float:
        return 0.0 if self.walk_before_m <= 0 else 1 - self.walk_after_m / self.walk_before_m


def _walk(layout: Layout, orders: list[list[str]], at: dict[str, str]) -> float:
    total = 0.0
    for skus in orders:
        stops = [at[s] for s in dict.fromkeys(skus) if s in at]
        if stops:
            total += tour_length(layout, stops, "exact")
    return total


def slotting_plan(conn: Connection, layout: Layout, *, warehouse: str, weeks: int = 4,
                  now: datetime | None = None) -> SlottingPlan:
    now = now or utcnow()
    rows = conn.execute(select(stock.c.sku, stock.c.location, stock.c.on_hand)
                        .where(stock.c.warehouse == warehouse, stock.c.on_hand > 0)
                        .order_by(stock.c.sku, stock.c.on_hand.desc(), stock.c.location)).all()
    current: dict[str, str] = {}
    for r in rows:
        current.setdefault(r.sku, r.location)
    distance: dict[str, float] = {}
    for code in set(current.values()):
        with suppress(ValueError):  # a location outside the layout stays where it is
            distance[code] = depot_distance(layout, code)
    current = {s: c for s, c in current.items() if c in distance}
    orders = recent_order_skus(conn, weeks=weeks, now=now)
    moves = plan_slotting(current, velocity_ranks(orders), distance)
    after = dict(current)
    for move in moves:
        after[move.sku] = move.target
    return SlottingPlan(moves, len(orders), _walk(layout, orders, current),
                        _walk(layout, orders, after))
