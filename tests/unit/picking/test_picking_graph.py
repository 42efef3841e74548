"""Free-form graph layouts: exact Held-Karp tours, limits, and drawings."""

from __future__ import annotations

import math
import random
from itertools import pairwise, permutations
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from picking_helpers import FIXTURES

from doorstep.adapters.layout_file import load_layout
from doorstep.domain.picking import GraphLayout, RoutingError, render_svg, route
from doorstep.domain.picking.graph import distance_matrix, layout_graph

GRAPH = load_layout(FIXTURES / "mezzanine-graph.yaml")


def test_graph_route_takes_the_declared_stair_length_into_account() -> None:
    """The tour to the mezzanine uses the stair edge's declared 12 m, not its drawn length."""
    assert isinstance(GRAPH, GraphLayout)
    r = route(GRAPH, ["M-09-001-1-1"])
    to_c = 10 + 10 + 10  # dock-a-b-c (or dock-a-d-c): no diagonal edge exists
    up = 12.0 + math.dist((25, 15), (30, 20))
    assert r.method == "exact:held-karp"
    assert r.distance == pytest.approx(2 * (to_c + up))


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(0, 8), min_size=1, max_size=6), st.integers(0, 1000))
def test_held_karp_equals_brute_force_on_random_grids(cells: list[int], seed: int) -> None:
    """On a 3x3 street grid with random edge lengths, Held-Karp finds the best visiting order."""
    rng = random.Random(seed)
    nodes = {f"n{i}": (float(i % 3), float(i // 3)) for i in range(9)}
    edges = []
    for i in range(9):
        if i % 3 < 2:
            edges.append((f"n{i}", f"n{i + 1}", rng.uniform(1, 5)))
        if i < 6:
            edges.append((f"n{i}", f"n{i + 3}", rng.uniform(1, 5)))
    layout = GraphLayout(nodes, tuple(edges), "n0", {})
    codes = [f"n{c}" for c in cells]
    stops = ["n0", *sorted(set(codes) - {"n0"})]
    mat, _ = distance_matrix(layout_graph(layout), stops)
    best = min(
        sum(mat[a, b] for a, b in pairwise((0, *p, 0))) for p in permutations(range(1, len(stops)))
    )
    assert route(layout, codes).distance == pytest.approx(best)


def test_heuristics_that_need_aisles_are_refused_on_graph_layouts() -> None:
    """S-shape and friends need aisles; asking for them on a graph is a clear error."""
    with pytest.raises(RoutingError, match="needs a rectangular layout"):
        route(GRAPH, ["M-01-001-1-1"], "s-shape")


def test_exact_graph_routing_refuses_more_stops_than_held_karp_handles() -> None:
    """Beyond the Held-Karp limit the error points to the heuristic instead of hanging."""
    nodes = {f"n{i}": (float(i), 0.0) for i in range(20)}
    edges = tuple((f"n{i}", f"n{i + 1}", 1.0) for i in range(19))
    layout = GraphLayout(nodes, edges, "n0", {})
    with pytest.raises(RoutingError, match="nearest-2opt"):
        route(layout, [f"n{i}" for i in range(1, 20)])
    assert route(layout, [f"n{i}" for i in range(1, 20)], "nearest-2opt").distance == 38.0


def test_graph_layouts_draw_as_svg() -> None:
    """The drawing of a graph layout and its tour is well-formed SVG."""
    svg = render_svg(GRAPH, route(GRAPH, ["M-01-002-1-1", "M-02-002-1-1"]))
    assert ElementTree.fromstring(svg).tag == "{http://www.w3.org/2000/svg}svg"
