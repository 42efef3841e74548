"""Batching: capacity is respected, nothing is lost, batching beats single-order picking."""

from __future__ import annotations

import random
from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from picking_helpers import instances

from doorstep.domain.picking import (
    BatchingError,
    Cart,
    PickOrder,
    RectangularLayout,
    plan_batches,
    route,
    tour_length,
)
from doorstep.domain.picking.batching import TourCost, fits, improve
from doorstep.domain.picking.routing import tour_length_bound

LAYOUT = RectangularLayout(aisles=8, aisle_length=10, aisle_spacing=3)


def length(locs: object) -> float:
    return route(LAYOUT, list(locs)).distance  # type: ignore[call-overload]


def orders_from(seed: int, n: int) -> list[PickOrder]:
    rng = random.Random(seed)
    return [
        PickOrder(
            f"o{i}",
            tuple(
                LAYOUT.code_for(rng.randint(1, 8), rng.randint(1, 10))
                for _ in range(rng.randint(1, 3))
            ),
            volume=rng.uniform(1, 10),
            weight=rng.uniform(1, 5),
        )
        for i in range(n)
    ]


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(1, 12), st.sampled_from(["fcfs", "seed", "savings"]))
def test_every_order_lands_in_exactly_one_batch_within_capacity(
    seed: int, n: int, method: str
) -> None:
    """Batches partition the orders and no cart exceeds totes, volume or weight."""
    orders = orders_from(seed, n)
    cart = Cart(totes=3, volume=20.0, weight=9.0)
    plan = plan_batches(orders, cart, length, method=method)
    ids = [oid for b in plan.batches for oid in b.orders]
    assert sorted(ids) == sorted(o.id for o in orders)
    by_id = {o.id: o for o in orders}
    for b in plan.batches:
        members = [by_id[i] for i in b.orders]
        assert len(members) <= 3
        assert sum(o.volume for o in members) <= 20.0 + 1e-9
        assert sum(o.weight for o in members) <= 9.0 + 1e-9


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 12))
def test_savings_and_seed_never_walk_more_than_single_order_picking(seed: int, n: int) -> None:
    """Merging tours only saves walking: batching never exceeds one tour per order."""
    orders = orders_from(seed, n)
    single = plan_batches(orders, Cart(totes=4), length, method="single").distance
    for method in ("seed", "savings"):
        assert plan_batches(orders, Cart(totes=4), length, method=method).distance <= single + 1e-6


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_local_search_never_makes_a_plan_longer(seed: int) -> None:
    """The improvement step keeps or shortens the total distance."""
    orders = orders_from(seed, 10)
    cost = TourCost(length)
    start = [orders[i : i + 3] for i in range(0, 10, 3)]
    better = improve(start, Cart(totes=3), cost)
    assert sum(cost(b) for b in better) <= sum(cost(b) for b in start) + 1e-9


def test_an_order_bigger_than_the_cart_is_an_error_not_dropped() -> None:
    """An order that cannot fit an empty cart is reported by id."""
    orders = [PickOrder("big", ("P-01-001-1-1",), volume=50.0)]
    with pytest.raises(BatchingError, match="order big alone exceeds"):
        plan_batches(orders, Cart(totes=8, volume=10.0), length)


def test_unknown_batching_method_is_rejected() -> None:
    """A typo in the method name is an error listing the choices."""
    with pytest.raises(BatchingError, match="choose"):
        plan_batches([], Cart(), length, method="magic")


@settings(max_examples=150, deadline=None)
@given(instances(max_picks=14))
def test_the_length_only_dp_returns_exactly_the_exact_routes_distance(
    instance: tuple[RectangularLayout, list[str]],
) -> None:
    """Batching's fast tour length is the exact router's distance to the last bit (1-3 blocks)."""
    layout, codes = instance
    assert tour_length(layout, codes) == route(layout, codes).distance


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 10_000))
def test_the_memoised_cost_equals_the_uncached_router_and_routes_each_set_once(seed: int) -> None:
    """TourCost answers what the router answers, and asks it once per distinct location set."""
    orders = orders_from(seed, 8)
    rng = random.Random(seed)
    asked: list[frozenset[str]] = []

    def counting(locs: Sequence[str]) -> float:
        asked.append(frozenset(locs))
        return length(locs)

    cost = TourCost(counting)
    for _ in range(30):
        group = rng.sample(orders, rng.randint(1, 4))
        union = sorted({loc for o in group for loc in o.locations})
        assert cost(group) == length(union)
    assert len(asked) == len(set(asked)) == cost.calls


@settings(max_examples=60, deadline=None)
@given(instances(max_picks=14))
def test_the_lower_bound_never_exceeds_any_routing_methods_tour(
    instance: tuple[RectangularLayout, list[str]],
) -> None:
    """The pruning bound is at most the exact tour and every heuristic tour."""
    layout, codes = instance
    bound = tour_length_bound(layout, codes)
    for method in ("exact", "s-shape", "return", "midpoint", "largest-gap", "combined"):
        assert bound <= route(layout, codes, method).distance + 1e-9


@settings(max_examples=12, deadline=None)
@given(
    st.integers(0, 10_000),
    st.integers(2, 14),
    st.sampled_from(["seed", "savings"]),
    st.sampled_from(["exact", "s-shape", "combined"]),
)
def test_pruning_finds_exactly_the_plan_of_the_full_search(
    seed: int, n: int, method: str, routing: str
) -> None:
    """Skipping candidates that known tours and bounds rule out never changes the plan."""
    orders = orders_from(seed, n)
    cart = Cart(totes=3, volume=20.0, weight=9.0)

    def fast(locs: Sequence[str]) -> float:
        return tour_length(LAYOUT, locs, routing)

    def bound(locs: Sequence[str]) -> float:
        return tour_length_bound(LAYOUT, locs)

    full = plan_batches(orders, cart, fast, method=method)
    for monotone in {False, routing == "exact"}:
        pruned = plan_batches(
            orders, cart, fast, method=method, monotone=monotone, lower_bound=bound
        )
        assert pruned.batches == full.batches
    if routing == "exact":
        assert plan_batches(orders, cart, fast, method=method, monotone=True) == full


@settings(max_examples=8, deadline=None)
@given(st.integers(0, 10_000))
def test_local_search_stops_only_when_no_move_or_swap_improves(seed: int) -> None:
    """After the local search no single relocation or swap shortens the plan."""
    orders = orders_from(seed, 9)
    cart = Cart(totes=3)
    cost = TourCost(length, monotone=True)
    start = [orders[i : i + 3] for i in range(0, 9, 3)]
    batches = improve(start, cart, cost, max_rounds=1_000)
    for a, ba in enumerate(batches):
        for b, bb in enumerate(batches):
            if a == b:
                continue
            before = cost(ba) + cost(bb)
            for o in ba:
                rest = [x for x in ba if x is not o]
                if fits([*bb, o], cart):
                    assert (cost(rest) if rest else 0.0) + cost([*bb, o]) >= before - 1e-9
                for p in bb:
                    new_a, new_b = [*rest, p], [x for x in bb if x is not p] + [o]
                    if fits(new_a, cart) and fits(new_b, cart):
                        assert cost(new_a) + cost(new_b) >= before - 1e-9
