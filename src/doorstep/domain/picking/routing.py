"""One entry point for routing: a layout, location codes and a method name give a Route.

============  =======================================  ==========================
method        rectangular layout                        graph layout
============  =======================================  ==========================
exact         aisle DP (Ratliff & Rosenthal; k cross    Held-Karp (≤ 16 stops)
              aisles: its multi-block generalisation)
held-karp     Held-Karp on the shortest-path graph      Held-Karp
s-shape, return, midpoint, largest-gap, combined        — (need aisles)
nearest-2opt  nearest neighbour + 2-opt                 nearest neighbour + 2-opt
============  =======================================  ==========================
"""

from __future__ import annotations

from collections.abc import Sequence

from doorstep.domain.picking.exact import exact_route, shortest_tour
from doorstep.domain.picking.graph import (
    HELD_KARP_LIMIT,
    RoutingError,
    graph_route,
    layout_graph,
    rectangular_graph,
)
from doorstep.domain.picking.grid import Grid, build_grid
from doorstep.domain.picking.heuristics import HEURISTICS, heuristic_route
from doorstep.domain.picking.layout import GraphLayout, Layout, RectangularLayout
from doorstep.domain.picking.route import Route

METHODS = ("exact", "held-karp", *HEURISTICS, "nearest-2opt")
# The aisle DP is linear in aisles but exponential in cross aisles: ~0.4 s for 5, ~3 s for 6
# (40 picks, 10 aisles).  Beyond this, ``exact`` falls back to Held-Karp (<= 16 stops).
DP_MAX_CROSS_AISLES = 6

__all__ = [
    "HELD_KARP_LIMIT",
    "METHODS",
    "RoutingError",
    "grid_for",
    "route",
    "tour_length",
    "walk_distance",
]


def grid_for(layout: RectangularLayout, locations: Sequence[str]) -> Grid:
    return build_grid(layout, [layout.locate(code) for code in dict.fromkeys(locations)])


def route(layout: Layout, locations: Sequence[str], method: str = "exact") -> Route:
    """The tour from the depot through every location and back, by ``method``."""
    if method not in METHODS:
        raise RoutingError(f"method {method!r} is unknown; choose one of {', '.join(METHODS)}")
    if isinstance(layout, GraphLayout):
        if method in HEURISTICS:
            raise RoutingError(f"method {method!r} needs a rectangular layout (aisles)")
        at: dict[object, list[str]] = {}
        for code in dict.fromkeys(locations):
            at.setdefault(layout.node_of(code), []).append(code)
        graph_method = "nearest-2opt" if method == "nearest-2opt" else "exact"
        return graph_route(layout_graph(layout), layout.depot, at, method=graph_method)
    grid = grid_for(layout, locations)
    if method == "exact" and len(grid.ys) <= DP_MAX_CROSS_AISLES:
        return exact_route(grid)
    if method == "exact" and len(grid.locations_at) > HELD_KARP_LIMIT:
        raise RoutingError(
            f"exact routing handles at most {DP_MAX_CROSS_AISLES} cross aisles (DP) or "
            f"{HELD_KARP_LIMIT} distinct stops (Held-Karp); this layout has {len(grid.ys)} "
            f"cross aisles and {len(grid.locations_at)} stops: use a heuristic method"
        )
    if method in HEURISTICS:
        return heuristic_route(grid, method)
    if not grid.locations_at:
        return exact_route(grid)
    graph_method = "nearest-2opt" if method == "nearest-2opt" else "exact"
    at_xy: dict[object, tuple[str, ...]] = {k: v for k, v in grid.locations_at.items()}
    return graph_route(rectangular_graph(grid), grid.depot, at_xy, method=graph_method)


def tour_length(layout: Layout, locations: Sequence[str], method: str = "exact") -> float:
    """Just the length of :func:`route`'s tour (batching needs no stops or polyline)."""
    if method == "exact" and isinstance(layout, RectangularLayout) and (
        layout.cross_aisles <= DP_MAX_CROSS_AISLES
    ):
        grid = grid_for(layout, locations)
        return shortest_tour(grid)[0] if grid.locations_at else 0.0
    return route(layout, locations, method).distance


def walk_distance(layout: Layout, a: str, b: str) -> float:
    """Shortest walking distance between two locations (used to rank re-allocations)."""
    if isinstance(layout, GraphLayout):
        dist, _ = layout_graph(layout).dijkstra(layout.node_of(a))
        target: object = layout.node_of(b)
    else:
        grid = grid_for(layout, [a, b])
        pa, pb = layout.locate(a), layout.locate(b)
        dist, _ = rectangular_graph(grid).dijkstra((round(pa.x, 6), round(pa.y, 6)))
        target = (round(pb.x, 6), round(pb.y, 6))
    if target not in dist:
        raise RoutingError(f"{b!r} cannot be reached from {a!r}")
    return dist[target]
