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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from doorstep.domain.picking.exact import exact_route
from doorstep.domain.picking.exact_length import shortest_length, subaisle_costs
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
from doorstep.domain.picking.walk import Route

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
    "tour_length_bound",
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


@dataclass(frozen=True, slots=True)
class _Frame:
    """A layout's columns and cross aisles — the part of a :class:`Grid` no pick changes."""

    xs: tuple[float, ...]
    is_aisle: tuple[bool, ...]
    ys: tuple[float, ...]
    depot_col: int
    aisle_col: tuple[int, ...]  # 0-based aisle -> column
    where: dict[str, tuple[tuple[int, int], float]]  # code -> (column, block), height; a memo


@lru_cache(maxsize=64)
def _frame(layout: RectangularLayout) -> _Frame:
    grid = build_grid(layout, ())
    return _Frame(
        grid.xs,
        grid.is_aisle,
        grid.ys,
        grid.depot_col,
        tuple(c for c, real in enumerate(grid.is_aisle) if real),
        {},
    )


def _pick_heights(
    layout: RectangularLayout, frame: _Frame, locations: Iterable[str]
) -> dict[tuple[int, int], list[float]]:
    """(column, block) -> pick heights there: all the length DP needs to know of the picks.

    Codes are resolved once per layout (a memo on its frame), so batching's thousands of
    questions about the same few hundred codes parse none of them twice.
    """
    where = frame.where
    heights: dict[tuple[int, int], list[float]] = {}
    for code in set(locations):
        found = where.get(code)
        if found is None:
            p = layout.locate(code)
            block = min(int(p.y // layout.block_span), layout.blocks - 1)
            found = ((frame.aisle_col[p.column], block), p.y)
            if len(where) < 100_000:
                where[code] = found
        at = heights.get(found[0])
        if at is None:
            heights[found[0]] = [found[1]]
        else:
            at.append(found[1])
    return heights


def tour_length(layout: Layout, locations: Sequence[str], method: str = "exact") -> float:
    """Just the length of :func:`route`'s tour (batching needs no stops or polyline).

    For the aisle DP the codes are resolved to (column, block, height) once per call and the
    length-only DP runs on them directly: no grid, no trace, no walk.
    """
    if (
        method == "exact"
        and isinstance(layout, RectangularLayout)
        and (layout.cross_aisles <= DP_MAX_CROSS_AISLES)
    ):
        frame = _frame(layout)
        heights = _pick_heights(layout, frame, locations)
        return shortest_length(frame.xs, frame.is_aisle, frame.ys, frame.depot_col, heights)
    return route(layout, locations, method).distance


def tour_length_bound(layout: Layout, locations: Sequence[str]) -> float:
    """A cheap lower bound on every tour through ``locations`` (exact or heuristic).

    Any tour walks across the x-span of the depot and pick columns and back (along cross
    aisles), and up the aisles at least the larger of: the sum over sub-aisles with picks of
    the cheapest way to cover them (through once, in and back from the front or the back, or
    from both ends leaving the largest gap), and out to the farthest pick and back.  Batching
    uses it to skip candidates that cannot win.  Graph layouts get the trivial bound 0.
    """
    if not isinstance(layout, RectangularLayout):
        return 0.0
    frame = _frame(layout)
    heights = _pick_heights(layout, frame, locations)
    if not heights:
        return 0.0
    first = min(min(heights)[0], frame.depot_col)
    last = max(max(heights)[0], frame.depot_col)
    ys = frame.ys
    covering, top = 0.0, ys[0]
    for (_, block), hs in heights.items():
        lo, hi = ys[block], ys[block + 1]
        if len(hs) == 1:  # most sub-aisles of a batch hold one pick: no gaps to look at
            (y,) = hs
            covering += min(hi - lo, 2 * (y - lo), 2 * (hi - y))
        else:
            picks = sorted(set(hs))
            length, below, above, both = subaisle_costs(lo, hi, picks)
            covering += min(length, below, above, length if both is None else both)
            y = picks[-1]
        if y > top:
            top = y
    return 2 * (frame.xs[last] - frame.xs[first]) + max(covering, 2 * (top - ys[0]))


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
