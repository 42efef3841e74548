"""Exact pick tours in rectangular warehouses: Ratliff & Rosenthal's dynamic programme.

Ratliff & Rosenthal (1983) build the shortest tour aisle by aisle, left to right.  What
matters about a partial tour at a column boundary is only its *equivalence class*: for each
cross-aisle node the degree parity (0 = untouched, U = odd, E = even) and which nodes are
already connected.  With two cross aisles there are exactly seven classes::

    (U,U,1C) (E,0,1C) (0,E,1C) (E,E,1C) (E,E,2C) (0,0,0C) (0,0,1C)

Two transitions alternate: across a column (how each sub-aisle is walked: not at all,
through once, through twice, returned from below, returned from above, or from both ends
leaving the largest gap) and between columns (each cross-aisle edge used 0, 1 or 2 times).
The work is linear in the number of aisles.

For warehouses with more cross aisles (several blocks) the same programme runs with one
state entry per cross aisle — the generalisation Roodbergen & de Koster (2001) made for a
middle aisle, and which Cambazard & Catusse (2018) showed works for any fixed number of cross
aisles.  States are (parity, component label) per cross aisle; sub-aisles are added one at a
time so the number of states stays small.  Still exact, still linear in the aisles, and
exponential only in the number of cross aisles (fine for the 2-4 found in practice).
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from itertools import pairwise, product
from typing import cast

from doorstep.domain.picking.grid import Grid
from doorstep.domain.picking.walk import XY, Route, key, route_from_walk

Node = tuple[int, int]  # (parity: 0 untouched / 1 odd / 2 even, component label)
State = tuple[Node, ...]
# (degree added below, degree added above, connects both ends, cost, kind, split index)
Option = tuple[int, int, bool, float, str, int]

_INF = float("inf")


def subaisle_options(lo: float, hi: float, picks: Sequence[float], real: bool) -> list[Option]:
    """The ways an optimal tour can walk one sub-aisle (Ratliff & Rosenthal's six)."""
    length = hi - lo
    if not real:
        return [(0, 0, False, 0.0, "none", 0)]
    opts: list[Option] = [
        (1, 1, True, length, "through", 0),
        (2, 2, True, 2 * length, "double", 0),
    ]
    if not picks:
        return [(0, 0, False, 0.0, "none", 0), *opts]
    opts.append((2, 0, False, 2 * (picks[-1] - lo), "from-below", len(picks)))
    opts.append((0, 2, False, 2 * (hi - picks[0]), "from-above", 0))
    if len(picks) >= 2:
        gaps = [picks[i] - picks[i - 1] for i in range(1, len(picks))]
        split = max(range(len(gaps)), key=gaps.__getitem__) + 1
        cost = 2 * ((picks[split - 1] - lo) + (hi - picks[split]))
        opts.append((2, 2, False, cost, "both-ends", split))
    return opts


def _normalise(nodes: Sequence[Node]) -> State:
    mapping: dict[int, int] = {}
    out: list[Node] = []
    for par, lab in nodes:
        if par == 0:
            out.append((0, 0))
        else:
            out.append((par, mapping.setdefault(lab, len(mapping) + 1)))
    return tuple(out)


@cache
def apply_vertical(state: State, block: int, below: int, above: int, connects: bool) -> State:
    nodes = list(state)
    fresh = max((lab for _, lab in nodes), default=0) + 1
    for j, deg in ((block, below), (block + 1, above)):
        if deg:
            par, lab = nodes[j]
            if par == 0:
                nodes[j] = (1 if deg % 2 else 2, fresh)
                fresh += 1
            else:
                odd = (par == 1) != (deg % 2 == 1)
                nodes[j] = (1 if odd else 2, lab)
    if connects:
        old, new = nodes[block + 1][1], nodes[block][1]
        nodes = [(p, new if lab == old and p else lab) for p, lab in nodes]
    return _normalise(nodes)


@cache
def _verticals(
    state: State, block: int, moves: tuple[tuple[int, int, bool], ...]
) -> tuple[State, ...]:
    """:func:`apply_vertical` for each of a sub-aisle's moves at once: one cache lookup per
    state instead of one per state and move (a peak week routes ~18,000 tours)."""
    return tuple(apply_vertical(state, block, below, above, conn) for below, above, conn in moves)


@cache
def right_choices(state: State, depot_node: int | None) -> list[tuple[int, ...]]:
    per_node: list[tuple[int, ...]] = []
    for j, (par, _) in enumerate(state):
        if par == 0:
            per_node.append((2,) if j == depot_node else (0,))
        else:
            per_node.append((1,) if par == 1 else (0, 2))
    return list(product(*per_node))


@cache
def continue_right(state: State, ms: tuple[int, ...]) -> State | None:
    """The state entering the next column, or None if a component would be cut off."""
    fresh = max((lab for _, lab in state), default=0) + 1
    labels = {lab for par, lab in state if par}
    nodes: list[Node] = []
    for (par, lab), m in zip(state, ms, strict=True):
        if m == 0:
            nodes.append((0, 0))
        elif par == 0:  # the depot, reached only from the right
            nodes.append((m, fresh))
        else:
            nodes.append((m, lab))
    if {lab for par, lab in nodes if par} >= labels:
        return _normalise(nodes)
    return None


@cache
def _rights(state: State, depot_node: int | None) -> tuple[tuple[tuple[int, ...], State, int], ...]:
    """The feasible ways on to the next column: (edge counts, state there, edges walked)."""
    out = []
    for ms in right_choices(state, depot_node):
        new_state = continue_right(state, ms)
        if new_state is not None:
            out.append((ms, new_state, sum(ms)))
    return tuple(out)


Trace = list[dict[State, tuple[State, object]]]


Walks = tuple[float, list[tuple[int, int, Option]], list[tuple[int, int, int]]]


def shortest_tour(grid: Grid, seen: set[State] | None = None) -> Walks:
    """Run the DP; return the length, the sub-aisle walks and the cross-aisle edge counts.

    ``seen`` (if given) collects every state entering a column, so tests can check that a
    single block only ever uses Ratliff & Rosenthal's seven equivalence classes.
    """
    first, last = grid.required_columns()
    k = len(grid.ys)
    costs: dict[State, float] = {tuple((0, 0) for _ in range(k)): 0.0}
    trace: Trace = []
    steps: list[tuple[str, int, int]] = []
    best_cost, best_state = _INF, None  # the state after the last column's sub-aisles
    for col in range(first, last + 1):
        for block in range(k - 1):
            opts = subaisle_options(
                grid.ys[block], grid.ys[block + 1], grid.picks[col][block], grid.is_aisle[col]
            )
            nxt: dict[State, float] = {}
            back: dict[State, tuple[State, object]] = {}
            moves = tuple((opt[0], opt[1], opt[2]) for opt in opts)
            for state, cost in costs.items():
                for opt, new in zip(opts, _verticals(state, block, moves), strict=True):
                    total = cost + opt[3]
                    if total < nxt.get(new, _INF):
                        nxt[new] = total
                        back[new] = (state, opt)
            costs = nxt
            trace.append(back)
            steps.append(("v", col, block))
        depot_node = 0 if col == grid.depot_col else None
        if col == last:
            for state, cost in costs.items():
                labels = {lab for par, lab in state if par}
                odd = any(par == 1 for par, _ in state)
                depot_ok = depot_node is None or state[0][0] != 0
                if len(labels) == 1 and not odd and depot_ok and cost < best_cost:
                    best_cost, best_state = cost, state
            break
        dx = grid.xs[col + 1] - grid.xs[col]
        nxt = {}
        back = {}
        for state, cost in costs.items():
            for ms, new_state, used in _rights(state, depot_node):
                total = cost + dx * used
                if total < nxt.get(new_state, _INF):
                    nxt[new_state] = total
                    back[new_state] = (state, ms)
        costs = nxt
        trace.append(back)
        steps.append(("h", col, 0))
        if seen is not None:
            seen.update(costs)
    if best_state is None:
        raise AssertionError("no tour found: the grid has no feasible closed walk")
    length, state = best_cost, best_state
    verticals: list[tuple[int, int, Option]] = []
    horizontals: list[tuple[int, int, int]] = []
    for back, (kind, col, block) in zip(reversed(trace), reversed(steps), strict=True):
        prev, choice = back[state]
        if kind == "v":
            verticals.append((col, block, cast(Option, choice)))
        else:
            ms = cast(tuple[int, ...], choice)
            horizontals.extend((col, j, m) for j, m in enumerate(ms) if m)
        state = prev
    return length, verticals, horizontals


def _chain(points: Sequence[XY], times: int) -> list[tuple[XY, XY]]:
    return [(a, b) for a, b in pairwise(points) for _ in range(times)]


def _edges(
    grid: Grid, verticals: list[tuple[int, int, Option]], horizontals: list[tuple[int, int, int]]
) -> list[tuple[XY, XY]]:
    edges: list[tuple[XY, XY]] = []
    for col, block, (_, _, _, _, kind, split) in verticals:
        x = round(grid.xs[col], 6)  # key(x, y) for every point of the column, inlined
        ys = grid.picks[col][block]
        pts = [(x, round(y, 6)) for y in ys]
        low, high = (x, round(grid.ys[block], 6)), (x, round(grid.ys[block + 1], 6))
        if kind == "through":
            edges += _chain([low, *pts, high], 1)
        elif kind == "double":
            edges += _chain([low, *pts, high], 2)
        elif kind in ("from-below", "from-above", "both-ends"):
            edges += _chain([low, *pts[:split]], 2) if split else []
            edges += _chain([*pts[split:], high], 2) if split < len(pts) else []
    for col, j, m in horizontals:
        a, b = key(grid.xs[col], grid.ys[j]), key(grid.xs[col + 1], grid.ys[j])
        edges += [(a, b)] * m
    return edges


def euler_walk(start: XY, edges: list[tuple[XY, XY]]) -> list[XY]:
    """Hierholzer's algorithm: a closed walk using every edge once, from ``start``."""
    adj: dict[XY, list[tuple[XY, int]]] = {}
    for i, (a, b) in enumerate(edges):
        adj.setdefault(a, []).append((b, i))
        adj.setdefault(b, []).append((a, i))
    if not edges:
        return [start]
    used = [False] * len(edges)
    stack, walk = [start], []
    while stack:
        v = stack[-1]
        nbrs = adj.get(v, [])
        while nbrs and used[nbrs[-1][1]]:
            nbrs.pop()
        if nbrs:
            w, i = nbrs.pop()
            used[i] = True
            stack.append(w)
        else:
            walk.append(stack.pop())
    walk.reverse()
    return walk


def exact_route(grid: Grid) -> Route:
    """The shortest tour through all picks of ``grid``, from and back to the depot."""
    method = "exact:ratliff-rosenthal" if len(grid.ys) == 2 else "exact:cross-aisle-dp"
    if not grid.locations_at:
        return Route(method, 0.0, (), (grid.depot,))
    length, verticals, horizontals = shortest_tour(grid)
    walk = euler_walk(grid.depot, _edges(grid, verticals, horizontals))
    return route_from_walk(method, walk, grid.locations_at, distance=length)
