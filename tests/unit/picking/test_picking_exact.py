"""The exact router against brute force, Held-Karp and every heuristic."""

from __future__ import annotations

import random
from itertools import pairwise, permutations

import pytest
from hypothesis import given, settings
from picking_helpers import instances, random_instance

from doorstep.domain.picking import METHODS, RectangularLayout, RoutingError, route
from doorstep.domain.picking.exact import shortest_tour
from doorstep.domain.picking.graph import distance_matrix, rectangular_graph
from doorstep.domain.picking.routing import grid_for
from doorstep.domain.picking.walk import polyline_length

HEURISTICS = [m for m in METHODS if m not in ("exact", "held-karp")]


def brute_force(layout: RectangularLayout, codes: list[str]) -> float:
    """Shortest tour by trying every visiting order on the shortest-path graph."""
    grid = grid_for(layout, codes)
    nodes = [grid.depot, *sorted(p for p in grid.locations_at if p != grid.depot)]
    mat, _ = distance_matrix(rectangular_graph(grid), nodes)
    best = float("inf")
    for order in permutations(range(1, len(nodes))):
        tour = (0, *order, 0)
        best = min(best, sum(mat[a, b] for a, b in pairwise(tour)))
    return best


def test_exact_route_equals_brute_force_on_hundreds_of_random_instances() -> None:
    """On 300 random small warehouses (1-3 blocks) the DP tour is as short as the best order."""
    rng = random.Random(20261123)
    for _ in range(300):
        layout, codes = random_instance(rng, max_picks=6)
        exact = route(layout, codes, "exact").distance
        assert abs(exact - brute_force(layout, codes)) < 1e-6, (layout, codes)


@settings(max_examples=60, deadline=None)
@given(instances(max_picks=9))
def test_exact_route_equals_held_karp(instance: tuple[RectangularLayout, list[str]]) -> None:
    """The aisle DP and Held-Karp on the shortest-path graph agree on the optimum."""
    layout, codes = instance
    assert abs(route(layout, codes).distance - route(layout, codes, "held-karp").distance) < 1e-6


@settings(max_examples=80, deadline=None)
@given(instances(max_picks=14))
def test_exact_route_is_never_longer_than_any_heuristic(
    instance: tuple[RectangularLayout, list[str]],
) -> None:
    """No heuristic beats the exact tour."""
    layout, codes = instance
    exact = route(layout, codes).distance
    for method in HEURISTICS:
        assert route(layout, codes, method).distance >= exact - 1e-6, method


@settings(max_examples=80, deadline=None)
@given(instances(max_picks=14))
def test_every_route_visits_each_location_once_and_its_polyline_has_its_length(
    instance: tuple[RectangularLayout, list[str]],
) -> None:
    """Stops are exactly the distinct locations; the closed polyline is as long as reported."""
    layout, codes = instance
    for method in METHODS:
        r = route(layout, codes, method)
        assert sorted(s.location for s in r.stops) == sorted(set(codes)), method
        assert r.polyline[0] == r.polyline[-1] == (layout.depot_x, 0.0), method
        assert abs(polyline_length(r.polyline) - r.distance) < 1e-6, method


@settings(max_examples=60, deadline=None)
@given(instances(max_picks=14))
def test_single_block_dp_uses_only_the_seven_ratliff_rosenthal_classes(
    instance: tuple[RectangularLayout, list[str]],
) -> None:
    """With two cross aisles every state is one of R&R's seven equivalence classes."""
    layout, codes = instance
    single = RectangularLayout(
        aisles=layout.aisles,
        aisle_length=layout.aisle_length,
        aisle_spacing=layout.aisle_spacing,
        depot_x=layout.depot_x,
    )
    codes = [c for c in codes if _in_range(layout, c)]
    seen: set[tuple[tuple[int, int], ...]] = set()
    if codes:
        shortest_tour(grid_for(single, codes), seen)
    classes = {(s[0][0], s[1][0], len({lab for p, lab in s if p})) for s in seen}
    allowed = {(1, 1, 1), (2, 0, 1), (0, 2, 1), (2, 2, 1), (2, 2, 2), (0, 0, 0)}
    # (0,0,1C) — a finished tour — is the DP's final answer, not a state entering a column.
    assert classes <= allowed


def _in_range(layout: RectangularLayout, code: str) -> bool:
    return layout.parse(code).position <= layout.slots_per_block


def test_no_picks_give_an_empty_tour_at_the_depot() -> None:
    """Nothing to pick means no walking."""
    layout = RectangularLayout(aisles=4, aisle_length=10, aisle_spacing=3)
    r = route(layout, [])
    assert (r.distance, r.stops) == (0.0, ())


def test_exact_single_block_route_is_named_after_ratliff_and_rosenthal() -> None:
    """The JSON says which exact algorithm produced the tour."""
    one = RectangularLayout(aisles=4, aisle_length=10, aisle_spacing=3)
    two = RectangularLayout(aisles=4, aisle_length=10, aisle_spacing=3, cross_aisles=3)
    assert route(one, ["P-02-003-1-1"]).method == "exact:ratliff-rosenthal"
    assert route(two, ["P-02-003-1-1"]).method == "exact:cross-aisle-dp"


def test_many_cross_aisles_fall_back_to_held_karp_or_say_why() -> None:
    """Past the DP's cross-aisle limit, exact uses Held-Karp for short lists, else errors."""
    layout = RectangularLayout(aisles=3, aisle_length=4, aisle_spacing=3, cross_aisles=8)
    few = [layout.code_for(a, p) for a, p in ((1, 3), (2, 20), (3, 9))]
    assert route(layout, few).method == "exact:held-karp"
    many = [layout.code_for(a, p) for a in (1, 2, 3) for p in range(1, 28, 3)]
    with pytest.raises(RoutingError, match="use a heuristic method"):
        route(layout, many)
