"""Waves: which allocated orders to release now, and the pick lists that result.

Release order (a sort key, so the ranking is explainable line by line):

1. orders whose carrier cut-off is still ahead but within ``at_risk_within`` of ``now`` —
   soonest cut-off first (miss it and the parcel waits a day);
2. then by promised ship date, 3. priority (9 most urgent … 0 normal), 4. age (oldest first).

Orders are released in that order while the wave has room (orders, lines); the rest are
held with the reason.  Released orders are batched onto carts, each batch is routed, and
every route stop becomes pick-list lines (location, SKU, quantity, tote) in walking order.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from doorstep.domain.picking.batching import Cart, PickOrder, plan_batches
from doorstep.domain.picking.layout import Layout
from doorstep.domain.picking.routing import route, tour_length, tour_length_bound
from doorstep.domain.picking.walk import XY, Route, Stop


class WaveError(ValueError):
    """Wave input is unusable (naive timestamps, empty orders, bad capacity)."""


@dataclass(frozen=True, slots=True)
class OrderLine:
    sku: str
    qty: int
    location: str


@dataclass(frozen=True)
class WaveOrder:
    """An allocated order waiting for release: every line already has its location."""

    id: str
    carrier: str
    cutoff: datetime
    promised: date
    priority: int
    created_at: datetime
    lines: tuple[OrderLine, ...]
    volume: float = 0.0
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class WaveRules:
    max_orders: int = 40
    max_lines: int | None = None
    at_risk_within: timedelta = timedelta(hours=2)


@dataclass(frozen=True, slots=True)
class Decision:
    order_id: str
    released: bool
    reason: str


@dataclass(frozen=True, slots=True)
class PickLine:
    seq: int
    location: str
    sku: str
    qty: int
    order_id: str
    tote: int


@dataclass(frozen=True)
class PickList:
    batch: int
    method: str
    distance: float
    lines: tuple[PickLine, ...]
    polyline: tuple[XY, ...]
    totes: dict[str, int]
    stops: tuple[Stop, ...] = ()

    def route(self) -> Route:
        """The tour of this pick list (for drawing)."""
        return Route(self.method, self.distance, self.stops, self.polyline)


@dataclass(frozen=True)
class Wave:
    decisions: tuple[Decision, ...]
    pick_lists: tuple[PickList, ...]
    batching: str

    def as_dict(self) -> dict[str, object]:
        return {
            "batching": self.batching,
            "released": [d.order_id for d in self.decisions if d.released],
            "decisions": [vars_of(d) for d in self.decisions],
            "total_distance": round(sum(p.distance for p in self.pick_lists), 3),
            "pick_lists": [
                {
                    "batch": p.batch,
                    "method": p.method,
                    "distance": round(p.distance, 3),
                    "totes": p.totes,
                    "lines": [vars_of(line) for line in p.lines],
                }
                for p in self.pick_lists
            ],
        }


def vars_of(obj: object) -> dict[str, object]:
    return {name: getattr(obj, name) for name in obj.__slots__}  # type: ignore[attr-defined]


def _validate(orders: Sequence[WaveOrder], now: datetime) -> None:
    if now.tzinfo is None:
        raise WaveError("now must be timezone-aware")
    for o in orders:
        for name in ("cutoff", "created_at"):
            if getattr(o, name).tzinfo is None:
                raise WaveError(f"order {o.id}: {name} must be timezone-aware")
        if not o.lines:
            raise WaveError(f"order {o.id}: has no lines")
        for i, line in enumerate(o.lines):
            if line.qty <= 0:
                raise WaveError(f"order {o.id}: lines[{i}].qty must be positive")


def release_key(order: WaveOrder, now: datetime, rules: WaveRules) -> tuple[object, ...]:
    """Sort key: at-risk cut-offs first (soonest first), then promised date, priority, age."""
    return _release_keys(now, rules)(order)


def _release_keys(now: datetime, rules: WaveRules) -> Callable[[WaveOrder], tuple[object, ...]]:
    """:func:`release_key` with what depends only on ``now`` worked out once per wave (a
    simulated peak week ranks hundreds of thousands of candidates)."""
    latest = now + rules.at_risk_within
    never = datetime.max.replace(tzinfo=now.tzinfo)

    def key(order: WaveOrder) -> tuple[object, ...]:
        at_risk = now <= order.cutoff <= latest
        return (
            0 if at_risk else 1,
            order.cutoff if at_risk else never,
            order.promised,
            -order.priority,
            order.created_at,
            order.id,
        )

    return key


def choose_release(orders: Sequence[WaveOrder], now: datetime, rules: WaveRules) -> list[Decision]:
    """Rank the candidates and release as many as the wave holds; say why for each."""
    _validate(orders, now)
    decisions: list[Decision] = []
    count = lines = 0
    key = _release_keys(now, rules)
    ranked = sorted(((key(o), o) for o in orders), key=lambda ko: ko[0])
    full_orders = f"wave full ({rules.max_orders} orders)"
    full_lines = f"wave full ({rules.max_lines} lines)"
    for ranking, o in ranked:
        if count >= rules.max_orders:
            decisions.append(Decision(o.id, False, full_orders))
        elif rules.max_lines is not None and lines + len(o.lines) > rules.max_lines:
            decisions.append(Decision(o.id, False, full_lines))
        else:
            why = (
                f"cut-off {o.cutoff.isoformat()} at risk"
                if ranking[0] == 0
                else f"promised {o.promised.isoformat()}, priority {o.priority}"
            )
            decisions.append(Decision(o.id, True, why))
            count += 1
            lines += len(o.lines)
    return decisions


def plan_wave(
    layout: Layout,
    orders: Sequence[WaveOrder],
    now: datetime,
    *,
    rules: WaveRules | None = None,
    cart: Cart | None = None,
    batching: str = "savings",
    routing: str = "exact",
    check: Callable[[], None] | None = None,
) -> Wave:
    """Choose the orders to release, batch them, route each batch, write the pick lists.

    ``check`` is called before every tour is routed; it may raise to stop the planning
    (the API uses it for a time budget and for callers that have gone away).
    """
    rules = rules or WaveRules()

    def length(locs: Sequence[str]) -> float:
        if check is not None:
            check()
        return tour_length(layout, locs, routing)

    cart = cart or Cart()
    decisions = choose_release(orders, now, rules)
    by_id = {o.id: o for o in orders}
    released = [by_id[d.order_id] for d in decisions if d.released]
    plan = plan_batches(
        [
            PickOrder(o.id, tuple(line.location for line in o.lines), 1, o.volume, o.weight)
            for o in released
        ],
        cart,
        length,
        method=batching,
        monotone=routing == "exact",  # an optimal tour never shortens as picks are added
        lower_bound=lambda locs: tour_length_bound(layout, locs),
    )
    lists = []
    for n, batch in enumerate(plan.batches, start=1):
        totes = {oid: t for t, oid in enumerate(batch.orders, start=1)}
        locs = [line.location for oid in batch.orders for line in by_id[oid].lines]
        tour = route(layout, locs, routing)
        rank = {stop.location: i for i, stop in enumerate(tour.stops)}
        raw = sorted(
            ((line, oid) for oid in batch.orders for line in by_id[oid].lines),
            key=lambda lo: (rank[lo[0].location], totes[lo[1]], lo[0].sku),
        )
        pick_lines = tuple(
            PickLine(i, line.location, line.sku, line.qty, oid, totes[oid])
            for i, (line, oid) in enumerate(raw, start=1)
        )
        lists.append(
            PickList(n, tour.method, tour.distance, pick_lines, tour.polyline, totes, tour.stops)
        )
    return Wave(tuple(decisions), tuple(lists), plan.method)
