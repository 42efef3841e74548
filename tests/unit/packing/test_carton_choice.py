"""Carton choice: the cheapest carton set that really holds the order's items."""

from __future__ import annotations

import random
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from doorstep.devtools.packing_data import (
    CARTONS,
    SURFACE_PRICED_CARTONS,
    blank_area_m2,
    random_order,
)
from doorstep.domain.errors import InvalidValue
from doorstep.domain.packing import (
    CartonType,
    Item,
    cheapest_single,
    choose_cartons,
    split_shares,
    verify,
)
from doorstep.domain.packing.exact import fits
from doorstep.domain.packing.geometry import PackingError, Placement
from doorstep.domain.packing.heuristic import pack_into

SMALL = CartonType("S", 200, 150, 100, tare_g=80, max_load_g=5000, cost=Decimal("0.40"))
MEDIUM = CartonType("M", 300, 200, 150, tare_g=150, max_load_g=10000, cost=Decimal("0.70"))
LARGE = CartonType("L", 400, 300, 250, tare_g=300, max_load_g=20000, cost=Decimal("1.20"))
CUBE = Item("CUBE", 100, 100, 100, 500)


def test_a_single_small_item_goes_in_the_cheapest_carton() -> None:
    [parcel] = choose_cartons([Item("PHONE", 180, 100, 60, 400)], [LARGE, MEDIUM, SMALL])
    assert parcel.carton.code == "S"


def test_an_item_is_turned_when_only_a_rotation_fits() -> None:
    # 140 mm tall does not stand in a 100 mm high carton, but lies down in it
    [parcel] = choose_cartons([Item("BOX", 100, 90, 140, 300)], [SMALL, LARGE])
    assert parcel.carton.code == "S"
    [placement] = parcel.placements
    assert placement.dz <= 100


def test_the_order_is_split_only_when_no_single_carton_holds_it() -> None:
    items = [Item("BIG", 380, 280, 240, 4000)] * 3
    parcels = choose_cartons(items, [SMALL, MEDIUM, LARGE])
    assert len(parcels) == 3
    assert sorted(len(p.items) for p in parcels) == [1, 1, 1]


def test_the_maximum_load_splits_a_heavy_order() -> None:
    dumbbells = [Item("DUMBBELL", 150, 100, 80, 4000)] * 3
    parcels = choose_cartons(dumbbells, [LARGE.__class__("L", 400, 300, 250, 300, 10000,
                                                         Decimal("1.20"))])
    assert [p.content_weight_g for p in parcels] == [8000, 4000]


def test_an_item_no_carton_can_hold_is_refused_naming_it() -> None:
    with pytest.raises(InvalidValue, match="no carton holds SURFBOARD"):
        choose_cartons([Item("SURFBOARD", 2000, 500, 80, 5000)], [SMALL, LARGE])


def test_the_exact_search_finds_a_packing_the_heuristic_misses() -> None:
    # the pinwheel: four 3x2 blocks around a 1x1 hole fill a 5x5 square exactly; placing
    # largest-first at the lowest corner leaves two blocks out
    pinwheel = [Item("A", 30, 20, 10, 1)] * 4 + [Item("B", 10, 10, 10, 1)]
    inner = (50, 50, 10)
    _, left = pack_into(inner, pinwheel)
    assert left, "the heuristic was expected to miss the pinwheel"
    found = fits(inner, pinwheel)
    assert isinstance(found, list)
    verify(inner, found)
    assert len(found) == 5
    [parcel] = choose_cartons(pinwheel, [CartonType("SQ", 50, 50, 10, 5, 1000, Decimal("0.1")),
                                         LARGE])
    assert parcel.carton.code == "SQ"


def test_the_exact_search_proves_that_nothing_fits() -> None:
    assert fits((200, 100, 100), [CUBE] * 3) is False
    assert isinstance(fits((200, 100, 100), [CUBE] * 2), list)


def test_the_verifier_rejects_overlaps_and_overhangs() -> None:
    with pytest.raises(PackingError, match="overlaps"):
        verify((200, 200, 200), [Placement(CUBE, 0, 0, 0, 100, 100, 100),
                                 Placement(CUBE, 50, 0, 0, 100, 100, 100)])
    with pytest.raises(PackingError, match="sticks out"):
        verify((150, 150, 150), [Placement(CUBE, 60, 0, 0, 100, 100, 100)])
    with pytest.raises(PackingError, match="not one of its orientations"):
        verify((300, 300, 300), [Placement(CUBE, 0, 0, 0, 100, 100, 90)])


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_every_generated_order_is_packed_whole_and_verified(seed: int) -> None:
    items = random_order(random.Random(seed))
    parcels = choose_cartons(items, CARTONS)
    packed = sorted(i.sku for p in parcels for i in p.items)
    assert packed == sorted(i.sku for i in items)
    for parcel in parcels:
        verify(parcel.carton.inner, list(parcel.placements))
        assert parcel.content_weight_g <= parcel.carton.max_load_g


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
@example(431)  # a book, sneakers, a hardcover and jeans: L (0.67) holds them, XXL (1.40)
@example(1386)  # was chosen while the heuristic packed the carton only one way round
@example(8792)
def test_no_cheaper_single_carton_holds_a_small_order(seed: int) -> None:
    """For orders the exact search covers, no cheaper carton is found to close."""
    items = random_order(random.Random(seed))
    parcels = choose_cartons(items, CARTONS)
    if len(parcels) != 1 or len(items) > 4:
        return
    for carton in CARTONS:
        if carton.cost < parcels[0].carton.cost and carton.max_load_g >= sum(
                i.weight_g for i in items):
            # a hundred times the chooser's budget finds no packing (False: none exists;
            # None: not settled even so — seed 8792's phone has no 60 mm gap beside the
            # sneaker in SHOE, which the search cannot finish proving in 2,000,000 nodes)
            assert not isinstance(fits(carton.inner, items, node_budget=2_000_000), list)


def test_a_split_order_is_divided_into_shares_each_one_carton_holds() -> None:
    items = [Item("BIG", 380, 280, 240, 4000)] * 3 + [Item("PHONE", 180, 100, 60, 400)] * 2
    shares = split_shares(items, [SMALL, MEDIUM, LARGE])
    assert [sum(i.sku == "BIG" for i in share) for share in shares].count(1) == 3
    assert sorted(i.sku for share in shares for i in share) == sorted(i.sku for i in items)
    assert all(cheapest_single(share, [SMALL, MEDIUM, LARGE]) is not None for share in shares)


def test_flaps_make_a_flat_carton_dearer_than_a_larger_cube() -> None:
    """FEFCO 0201: the blank is (2L + 2W + glue flap) × (W + H), so a 600 × 400 × 100 case
    (24 l) takes more board than a 300 × 300 × 300 cube (27 l)."""
    assert blank_area_m2(600, 400, 100) == pytest.approx(1.0175)
    assert blank_area_m2(300, 300, 300) == pytest.approx(0.741)
    flat_a4 = next(c for c in CARTONS if c.code == "A4F")
    small = next(c for c in CARTONS if c.code == "S")
    assert flat_a4.volume < small.volume and flat_a4.cost > small.cost


@settings(max_examples=40, deadline=None)
@given(st.integers(min_value=0, max_value=10_000))
def test_where_price_rises_with_volume_the_cheapest_carton_is_the_smallest_that_fits(
        seed: int) -> None:
    """Why the volume rule (stepped up until the items fit) cannot be beaten on such a
    catalogue: every carton that holds the items is at least their volume, and among
    those the smallest costs least."""
    by_volume = sorted(SURFACE_PRICED_CARTONS, key=lambda c: c.volume)
    assert all(a.cost <= b.cost for a, b in pairwise(by_volume))
    items = random_order(random.Random(seed))
    cheapest = cheapest_single(items, SURFACE_PRICED_CARTONS)
    smallest = next((p for c in by_volume if (p := cheapest_single(items, [c])) is not None),
                    None)
    assert (cheapest is None) == (smallest is None)
    if cheapest is not None and smallest is not None:
        assert cheapest.carton.cost == smallest.carton.cost
