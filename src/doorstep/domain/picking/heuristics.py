"""The classic routing heuristics, for comparison with the exact tour.

* ``s-shape``     traverse every aisle with picks; an odd last aisle is entered and left
                  from the front.
* ``return``      enter and leave every aisle from the front.
* ``midpoint``    traverse the first and last aisle; picks in the back half of the others
                  come from the back cross aisle, the front half from the front.
* ``largest-gap`` as midpoint, but each aisle is split at its largest gap between picks.
* ``combined``    per aisle, traverse or return, chosen by a two-state DP (which side the
                  picker is on) — Roodbergen & de Koster's *combined* heuristic.

In multi-block layouts ``s-shape``, ``midpoint``, ``largest-gap`` and ``combined`` follow
Roodbergen & de Koster's (2001) multi-block versions (block by block, back to front; see
:func:`_block_sweep`); ``return`` treats the layout as one block between the front and the
back cross aisle, walking straight through the middle cross aisles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from doorstep.domain.picking.grid import Grid
from doorstep.domain.picking.walk import XY, Route, key, route_from_walk

Aisle = tuple[float, tuple[float, ...]]  # x, sorted pick heights


class _Walk:
    """Builds an axis-parallel walk: sideways only along a cross aisle."""

    def __init__(self, start: XY, cross: Sequence[float]) -> None:
        self.points: list[XY] = [start]
        self.front, self.back = cross[0], cross[-1]
        self.cross = {key(0.0, y)[1] for y in cross}

    @property
    def here(self) -> XY:
        return self.points[-1]

    def to(self, x: float, y: float) -> None:
        if self.here[0] != x:
            assert self.here[1] in self.cross, "sideways only in a cross aisle"
            self.points.append(key(x, self.here[1]))
        self.points.append(key(x, y))

    def through(self, x: float, ys: Sequence[float], end: float) -> None:
        """Walk up or down aisle ``x`` over ``ys`` (visited in walking order) to ``end``."""
        ordered = sorted(ys, reverse=end < self.here[1])
        for y in ordered:
            self.to(x, y)
        self.to(x, end)

    def dip(self, x: float, ys: Sequence[float], side: float) -> None:
        """Enter aisle ``x`` from cross aisle ``side``, pick ``ys`` and come back."""
        if not ys:
            return
        self.to(x, side)
        for y in sorted(ys, key=lambda y: abs(y - side)):
            self.to(x, y)
        self.to(x, side)


def _aisles(grid: Grid) -> list[Aisle]:
    out = []
    for c, blocks in enumerate(grid.picks):
        ys = tuple(sorted(y for block in blocks for y in block))
        if ys:
            out.append((grid.xs[c], ys))
    return out


Split = Callable[[Sequence[float], float, float], int]  # picks, bottom, top -> index


def _block_sweep(w: _Walk, grid: Grid, policy: str, split: Split | None = None) -> None:
    """Roodbergen & de Koster's (2001) multi-block scheme (the classic one for one block).

    Walk up the leftmost aisle with picks to the back of the farthest block with picks,
    picking on the way; then handle the blocks from the back to the front, each entered
    on its back cross aisle and left on its front one, sweeping from the nearer end.
    """
    cols = [c for c, blocks in enumerate(grid.picks) if any(blocks)]
    if len(cols) == 1:
        c = cols[0]
        w.dip(grid.xs[c], [y for block in grid.picks[c] for y in block], grid.ys[0])
        return
    far = max(b for c in cols for b, ys in enumerate(grid.picks[c]) if ys)
    first = cols[0]
    w.to(grid.xs[first], grid.ys[0])
    w.through(grid.xs[first], [y for b in grid.picks[first] for y in b], grid.ys[far + 1])
    for b in range(far, -1, -1):
        bottom, top = grid.ys[b], grid.ys[b + 1]
        todo = [(grid.xs[c], grid.picks[c][b]) for c in cols[1:] if grid.picks[c][b]]
        if not todo:
            w.to(w.here[0], bottom)
            continue
        if abs(todo[-1][0] - w.here[0]) < abs(todo[0][0] - w.here[0]):
            todo.reverse()
        if policy == "combined":
            _combined_pass(w, todo, bottom, top)
            continue
        if policy == "s-shape":
            for i, (x, ys) in enumerate(todo):
                if i == len(todo) - 1 and w.here[1] == bottom:
                    w.dip(x, ys, bottom)
                else:
                    w.to(x, w.here[1])
                    w.through(x, ys, bottom if w.here[1] == top else top)
            continue
        assert split is not None
        cut = [split(ys, bottom, top) for _, ys in todo]
        for (x, ys), k in zip(todo[:-1], cut, strict=False):
            w.dip(x, ys[k:], top)
        w.to(todo[-1][0], top)
        w.through(todo[-1][0], todo[-1][1], bottom)
        for (x, ys), k in reversed(list(zip(todo[:-1], cut, strict=False))):
            w.dip(x, ys[:k], bottom)


def s_shape(w: _Walk, grid: Grid) -> None:
    _block_sweep(w, grid, "s-shape")


def return_route(w: _Walk, grid: Grid) -> None:
    for x, ys in _aisles(grid):
        w.dip(x, ys, w.front)


def midpoint(w: _Walk, grid: Grid) -> None:
    _block_sweep(w, grid, "split", lambda ys, lo, hi: sum(1 for y in ys if y <= (lo + hi) / 2))


def largest_gap(w: _Walk, grid: Grid) -> None:
    def split(ys: Sequence[float], lo: float, hi: float) -> int:
        bounds = [lo, *ys, hi]
        gaps = [bounds[i + 1] - bounds[i] for i in range(len(bounds) - 1)]
        return max(range(len(gaps)), key=gaps.__getitem__)

    _block_sweep(w, grid, "split", split)


def _combined_pass(w: _Walk, aisles: Sequence[Aisle], bottom: float, top: float) -> None:
    """Visit ``aisles`` in order, each traversed or dipped into, ending on ``bottom``.

    A two-state DP (the picker is on the bottom or the top cross aisle) picks the cheapest
    mix — the *combined* heuristic of Roodbergen & de Koster (2001).
    """
    length = top - bottom
    start = 0 if w.here[1] == bottom else 1
    best: dict[int, tuple[float, list[str]]] = {start: (0.0, [])}
    prev_x = w.here[0]
    for x, ys in aisles:
        dx = abs(x - prev_x)
        nxt: dict[int, tuple[float, list[str]]] = {}
        for side, (cost, plan) in best.items():
            reach = ys[-1] - bottom if side == 0 else top - ys[0]
            for new_side, extra, move in ((1 - side, length, "t"), (side, 2 * reach, "r")):
                total = cost + dx + extra
                if total < nxt.get(new_side, (float("inf"), []))[0]:
                    nxt[new_side] = (total, [*plan, move])
        best, prev_x = nxt, x
    for (ax, ays), move in zip(aisles, best[0][1], strict=True):
        here = w.here[1]
        if move == "t":
            w.to(ax, here)
            w.through(ax, ays, top if here == bottom else bottom)
        else:
            w.dip(ax, ays, here)


def combined(w: _Walk, grid: Grid) -> None:
    if len(grid.ys) > 2:
        _block_sweep(w, grid, "combined")
    else:
        _combined_pass(w, _aisles(grid), w.front, w.back)


HEURISTICS: dict[str, Callable[[_Walk, Grid], None]] = {
    "s-shape": s_shape,
    "return": return_route,
    "midpoint": midpoint,
    "largest-gap": largest_gap,
    "combined": combined,
}


def heuristic_route(grid: Grid, method: str) -> Route:
    """Route ``grid`` with the named heuristic (a key of :data:`HEURISTICS`)."""
    w = _Walk(grid.depot, grid.ys)
    if grid.locations_at:
        HEURISTICS[method](w, grid)
        w.to(grid.depot[0], grid.depot[1])
    return route_from_walk(method, w.points, grid.locations_at)
