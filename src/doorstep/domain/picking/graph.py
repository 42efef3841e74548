"""Walking graphs, shortest paths and the exact Held-Karp tour over pick nodes.

Free-form layouts are graphs from the start; a rectangular layout can be turned into one
(:func:`rectangular_graph`) so the test oracle and Held-Karp can check the aisle DP.  Tours
on a graph are found on the shortest-path distance matrix between the depot and the pick
nodes: Held-Karp is exact and practical up to :data:`HELD_KARP_LIMIT` distinct stops; the
nearest-neighbour + 2-opt heuristic covers larger graph instances (and says so).
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from doorstep.domain.picking.grid import Grid
from doorstep.domain.picking.layout import GraphLayout, LayoutError
from doorstep.domain.picking.walk import XY, Route, key, route_from_walk

HELD_KARP_LIMIT = 16
# A shortest-path search per stop, then 2-opt: 500 stops take about 4 s, 2,000 took 81 s
# (an API caller sends the layout and the picks); one picker's tour has far fewer stops.
GRAPH_STOPS_LIMIT = 500


class RoutingError(LayoutError):
    """A route cannot be computed as asked (unreachable node, too many stops for a method)."""


@dataclass
class WalkGraph:
    """Undirected weighted graph; nodes are hashable ids with drawing coordinates."""

    coords: dict[object, XY] = field(default_factory=dict)
    adj: dict[object, list[tuple[object, float]]] = field(default_factory=dict)

    def add_edge(self, a: object, b: object, dist: float) -> None:
        self.adj.setdefault(a, []).append((b, dist))
        self.adj.setdefault(b, []).append((a, dist))

    def dijkstra(self, src: object) -> tuple[dict[object, float], dict[object, object]]:
        dist: dict[object, float] = {src: 0.0}
        pred: dict[object, object] = {}
        heap: list[tuple[float, int, object]] = [(0.0, 0, src)]
        tie = 1
        while heap:
            d, _, v = heapq.heappop(heap)
            if d > dist[v]:
                continue
            for w, length in self.adj.get(v, []):
                nd = d + length
                if nd < dist.get(w, float("inf")):
                    dist[w], pred[w] = nd, v
                    heapq.heappush(heap, (nd, tie, w))
                    tie += 1
        return dist, pred


def rectangular_graph(grid: Grid) -> WalkGraph:
    """Every cross-aisle node and pick point of ``grid`` as a graph with metric edges."""
    g = WalkGraph()
    for j, y in enumerate(grid.ys):
        for c in range(len(grid.xs) - 1):
            a, b = key(grid.xs[c], y), key(grid.xs[c + 1], y)
            g.add_edge(a, b, grid.xs[c + 1] - grid.xs[c])
        del j
    for c, x in enumerate(grid.xs):
        if not grid.is_aisle[c]:
            continue
        heights = sorted({*grid.ys, *(y for block in grid.picks[c] for y in block)})
        for lo, hi in pairwise(heights):
            g.add_edge(key(x, lo), key(x, hi), hi - lo)
    for node in g.adj:
        assert isinstance(node, tuple)
        g.coords[node] = node
    return g


def layout_graph(layout: GraphLayout) -> WalkGraph:
    g = WalkGraph(coords={n: (float(x), float(y)) for n, (x, y) in layout.nodes.items()})
    for a, b, d in layout.edges:
        g.add_edge(a, b, d)
    return g


def distance_matrix(
    g: WalkGraph, nodes: Sequence[object]
) -> tuple[np.ndarray, list[dict[object, object]]]:
    """Shortest-path distances between ``nodes`` (row/column order kept) and predecessors."""
    n = len(nodes)
    mat = np.zeros((n, n))
    preds = []
    for i, src in enumerate(nodes):
        dist, pred = g.dijkstra(src)
        preds.append(pred)
        for j, dst in enumerate(nodes):
            if dst not in dist:
                raise RoutingError(f"node {dst!r} cannot be reached from {src!r}")
            mat[i, j] = dist[dst]
    return mat, preds


def held_karp(mat: np.ndarray) -> tuple[float, list[int]]:
    """Exact shortest closed tour from node 0 through all others (O(2^n n^2)).

    Vectorised one subset size at a time: the predecessor of state (S + {j}, j) is unique
    (S), so a whole layer of subsets is extended with a few numpy operations.
    """
    n = mat.shape[0] - 1
    if n == 0:
        return 0.0, [0]
    full = 1 << n
    d = mat[1:, 1:]
    dp = np.full((full, n), np.inf)
    parent = np.full((full, n), -1, dtype=np.int64)
    bits = np.arange(n)
    dp[1 << bits, bits] = mat[0, 1:]
    masks = np.arange(full)
    popcount = sum((masks >> b) & 1 for b in range(n))
    for size in range(1, n):
        layer = masks[popcount == size]
        cand = dp[layer][:, :, None] + d[None, :, :]  # (subset, from i, to j)
        best_i = cand.argmin(axis=1)
        best = np.take_along_axis(cand, best_i[:, None, :], axis=1)[:, 0, :]
        rows, js = np.nonzero(((layer[:, None] >> bits[None, :]) & 1) == 0)
        targets = layer[rows] | (1 << js)
        dp[targets, js] = best[rows, js]
        parent[targets, js] = best_i[rows, js]
    last_row = dp[full - 1] + mat[1:, 0]
    j = int(np.argmin(last_row))
    cost = float(last_row[j])
    order, mask = [], full - 1
    while j >= 0:
        order.append(j + 1)
        pj = int(parent[mask, j])
        mask ^= 1 << j
        j = pj
    return cost, [0, *reversed(order)]


def nearest_two_opt(mat: np.ndarray) -> tuple[float, list[int]]:
    """Nearest-neighbour tour from node 0, improved by 2-opt until no move helps."""
    n = mat.shape[0]
    tour, left = [0], set(range(1, n))
    while left:
        nxt = min(left, key=lambda j: (mat[tour[-1], j], j))
        tour.append(nxt)
        left.remove(nxt)
    tour.append(0)
    improved = True
    while improved:
        improved = False
        for i in range(1, len(tour) - 2):
            for j in range(i + 1, len(tour) - 1):
                a, b, c, e = tour[i - 1], tour[i], tour[j], tour[j + 1]
                if mat[a, c] + mat[b, e] < mat[a, b] + mat[c, e] - 1e-9:
                    tour[i : j + 1] = reversed(tour[i : j + 1])
                    improved = True
    cost = float(sum(mat[a, b] for a, b in pairwise(tour)))
    return cost, tour[:-1]


def graph_route(
    g: WalkGraph,
    depot: object,
    locations_at: Mapping[object, Sequence[str]],
    *,
    method: str = "exact",
) -> Route:
    """Route through the nodes of ``locations_at`` on ``g`` (``exact`` or ``nearest-2opt``)."""
    nodes = [depot, *sorted((n for n in locations_at if n != depot), key=repr)]
    if len(nodes) - 1 > GRAPH_STOPS_LIMIT:  # checked before the distance matrix is built
        raise RoutingError(
            f"routing on a graph layout handles at most {GRAPH_STOPS_LIMIT} distinct stops, "
            f"got {len(nodes) - 1}; split the picks into several tours")
    mat, preds = distance_matrix(g, nodes)
    if method == "exact":
        if len(nodes) - 1 > HELD_KARP_LIMIT:
            raise RoutingError(
                f"exact routing on a graph layout handles at most {HELD_KARP_LIMIT} distinct "
                f"stops, got {len(nodes) - 1}; use method 'nearest-2opt'"
            )
        cost, order = held_karp(mat)
        name = "exact:held-karp"
    elif method == "nearest-2opt":
        cost, order = nearest_two_opt(mat)
        name = "nearest-2opt"
    else:
        raise RoutingError(f"method {method!r} is not available for graph layouts")
    walk: list[object] = [depot]
    for a, b in zip(order, [*order[1:], 0], strict=True):
        path, v = [], nodes[b]
        while v != nodes[a]:
            path.append(v)
            v = preds[a][v]
        walk.extend(reversed(path))
    xy_walk = [g.coords[v] for v in walk]
    at_xy: dict[XY, list[str]] = {}
    for node, codes in locations_at.items():
        at_xy.setdefault(g.coords[node], []).extend(codes)
    return route_from_walk(name, xy_walk, at_xy, distance=cost)
