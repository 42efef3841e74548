"""Boxes in boxes: items, their six orientations, placements and the geometric check.

Every packing doorstep suggests passes ``verify`` — inside the carton, no two items
overlapping, each item in one of its own orientations — so a suggestion can never be a box
that does not close.  The check is exact integer arithmetic on millimetres.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import permutations

Dims = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Item:
    """One unit to pack (an order line of quantity 3 is three items)."""

    sku: str
    length_mm: int
    width_mm: int
    height_mm: int
    weight_g: int

    @property
    def dims(self) -> Dims:
        return (self.length_mm, self.width_mm, self.height_mm)

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm


def orientations(dims: Dims) -> list[Dims]:
    """The distinct axis-aligned orientations of a box (up to six; fewer for cubes)."""
    return sorted({(a, b, c) for a, b, c in permutations(dims)})


@dataclass(frozen=True, slots=True)
class Placement:
    """An item at (x, y, z) — its corner nearest the carton's origin — with oriented dims."""

    item: Item
    x: int
    y: int
    z: int
    dx: int
    dy: int
    dz: int

    def overlaps(self, other: Placement) -> bool:
        return (self.x < other.x + other.dx and other.x < self.x + self.dx
                and self.y < other.y + other.dy and other.y < self.y + self.dy
                and self.z < other.z + other.dz and other.z < self.z + self.dz)


class PackingError(ValueError):
    """A packing that does not hold: names the item and what is wrong."""


def verify(inner: Dims, placements: list[Placement]) -> None:
    """Raise ``PackingError`` unless every placement is inside ``inner`` and none overlap."""
    length, width, height = inner
    for p in placements:
        if sorted((p.dx, p.dy, p.dz)) != sorted(p.item.dims):
            raise PackingError(f"{p.item.sku}: oriented {p.dx}x{p.dy}x{p.dz} is not "
                               f"one of its orientations {p.item.dims}")
        if min(p.x, p.y, p.z) < 0 or (p.x + p.dx > length or p.y + p.dy > width
                                      or p.z + p.dz > height):
            raise PackingError(f"{p.item.sku} at ({p.x},{p.y},{p.z}) sticks out of "
                               f"{length}x{width}x{height}")
    for i, first in enumerate(placements):
        for second in placements[i + 1:]:
            if first.overlaps(second):
                raise PackingError(f"{first.item.sku} at ({first.x},{first.y},{first.z}) "
                                   f"overlaps {second.item.sku} at "
                                   f"({second.x},{second.y},{second.z})")
