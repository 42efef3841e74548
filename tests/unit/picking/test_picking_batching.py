"""Batching: capacity is respected, nothing is lost, batching beats single-order picking."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from doorstep.domain.picking import (
    BatchingError,
    Cart,
    PickOrder,
    RectangularLayout,
    plan_batches,
    route,
)
from doorstep.domain.picking.batching import TourCost, improve

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
