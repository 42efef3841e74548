"""A rectangular layout reduced to what routing needs: columns, cross aisles, pick heights.

A *column* is an aisle centre line (or a virtual column at the depot's x when the depot does
not stand in front of an aisle).  Cross aisle ``j`` runs along ``ys[j]``; the stretch of a
column between cross aisles ``b`` and ``b + 1`` is a *sub-aisle* (block ``b``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from doorstep.domain.picking.layout import PickPoint, RectangularLayout
from doorstep.domain.picking.walk import XY, key


@dataclass(frozen=True)
class Grid:
    """Columns (x, is a real aisle), cross-aisle heights, and pick heights per sub-aisle."""

    xs: tuple[float, ...]
    is_aisle: tuple[bool, ...]
    ys: tuple[float, ...]
    picks: tuple[tuple[tuple[float, ...], ...], ...]
    depot_col: int
    locations_at: dict[XY, tuple[str, ...]]

    @property
    def depot(self) -> XY:
        return key(self.xs[self.depot_col], self.ys[0])

    def required_columns(self) -> tuple[int, int]:
        """First and last column that holds a pick or the depot."""
        used = [c for c, blocks in enumerate(self.picks) if any(blocks)] + [self.depot_col]
        return min(used), max(used)


def build_grid(layout: RectangularLayout, points: Iterable[PickPoint]) -> Grid:
    """Reduce ``layout`` and the pick points to a :class:`Grid`."""
    xs = [layout.aisle_x(a) for a in range(1, layout.aisles + 1)]
    is_aisle = [True] * len(xs)
    depot_col = next((c for c, x in enumerate(xs) if abs(x - layout.depot_x) < 1e-9), -1)
    if depot_col < 0:
        depot_col = sum(1 for x in xs if x < layout.depot_x)
        xs.insert(depot_col, layout.depot_x)
        is_aisle.insert(depot_col, False)
    aisle_to_col = [c for c, real in enumerate(is_aisle) if real]
    ys = tuple(layout.cross_y(j) for j in range(layout.cross_aisles))
    heights: list[list[set[float]]] = [[set() for _ in range(layout.blocks)] for _ in xs]
    at: dict[XY, list[str]] = {}
    for p in points:
        col = aisle_to_col[p.column]
        block = min(int(p.y // layout.block_span), layout.blocks - 1)
        heights[col][block].add(p.y)
        at.setdefault(key(p.x, p.y), []).append(p.location)
    return Grid(
        xs=tuple(xs),
        is_aisle=tuple(is_aisle),
        ys=ys,
        picks=tuple(tuple(tuple(sorted(h)) for h in col) for col in heights),
        depot_col=depot_col,
        locations_at={k: tuple(sorted(set(v))) for k, v in at.items()},
    )
