"""Warehouse layouts: where a location code is, in metres, and how people can walk.

Two kinds of building are modelled::

    RectangularLayout                     GraphLayout
    back cross aisle  ─┬────┬────┬─       nodes (id, x, y) + edges (a, b, metres)
                       │    │    │        for irregular buildings; location codes
    middle cross aisle ┼────┼────┼─       map onto nodes.
                       │    │    │
    front cross aisle ─┴────┴────┴─
                   depot ▲  (x on the front cross aisle)

In a rectangular layout aisle ``a`` (1-based, 1 nearest the depot's origin) has its centre
line at ``x = (a - 1) * aisle_spacing``; cross aisle ``j`` (0-based, 0 = front) has its
centre line at ``y = j * (aisle_length + cross_aisle_width)``.  Storage slots sit on both
sides of an aisle; a slot *position* ``p`` (1-based, counted from the front through every
block) lies at the middle of its pitch.  Location codes follow ``ZONE-AA-BBB-L-N`` by
default: odd bays on the left, even bays on the right, bays (1, 2) share position 1.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

DEFAULT_LOCATION_PATTERN = (
    r"^(?P<zone>[A-Z]+)-(?P<aisle>\d{2})-(?P<bay>\d{3})-(?P<level>\d)-(?P<bin>\d)$"
)

Side = Literal["left", "right"]


class LayoutError(ValueError):
    """A layout (or a location code against it) is not usable; the message says why."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A storage slot in a rectangular layout: aisle, position along it, side and level."""

    aisle: int
    position: int
    side: Side
    level: int


@dataclass(frozen=True, slots=True)
class PickPoint:
    """Where a picker stands for one location: aisle column (0-based) and y in metres."""

    location: str
    column: int
    x: float
    y: float


@dataclass(frozen=True)
class RectangularLayout:
    """A rectangular warehouse of parallel aisles split into blocks by cross aisles."""

    aisles: int
    aisle_length: float
    aisle_spacing: float
    cross_aisles: int = 2
    cross_aisle_width: float = 2.0
    slot_pitch: float = 1.0
    levels: int = 1
    depot_x: float = 0.0
    name: str = "layout"
    location_pattern: str = DEFAULT_LOCATION_PATTERN
    _regex: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _points: dict[str, PickPoint] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        checks: list[tuple[bool, str]] = [
            (self.aisles >= 1, "aisles must be at least 1"),
            (self.aisle_length > 0, "aisle_length must be positive"),
            (self.aisle_spacing > 0, "aisle_spacing must be positive"),
            (self.cross_aisles >= 2, "cross_aisles must be at least 2 (front and back)"),
            (self.cross_aisle_width >= 0, "cross_aisle_width must not be negative"),
            (0 < self.slot_pitch <= self.aisle_length, "slot_pitch must be in (0, aisle_length]"),
            (self.levels >= 1, "levels must be at least 1"),
            (math.isfinite(self.depot_x), "depot x must be a finite number"),
        ]
        for ok, message in checks:
            if not ok:
                raise LayoutError(message)
        try:
            regex = re.compile(self.location_pattern)
        except re.error as exc:
            raise LayoutError(f"location_pattern is not a regular expression: {exc}") from exc
        missing = {"aisle", "bay", "level"} - set(regex.groupindex)
        if missing:
            raise LayoutError(f"location_pattern lacks the named group(s) {sorted(missing)}")
        object.__setattr__(self, "_regex", regex)
        object.__setattr__(self, "_points", {})  # locate() memo: batching asks again and again

    @property
    def blocks(self) -> int:
        return self.cross_aisles - 1

    @property
    def slots_per_block(self) -> int:
        """Slot positions per side of one aisle in one block."""
        return int(self.aisle_length // self.slot_pitch + 1e-9)

    @property
    def block_span(self) -> float:
        """Walking distance along an aisle between two neighbouring cross-aisle centre lines."""
        return self.aisle_length + self.cross_aisle_width

    @property
    def width(self) -> float:
        return (self.aisles - 1) * self.aisle_spacing

    def aisle_x(self, aisle: int) -> float:
        return (aisle - 1) * self.aisle_spacing

    def cross_y(self, index: int) -> float:
        return index * self.block_span

    def parse(self, code: str) -> Slot:
        """Map a location code onto its slot, or say which part of it is wrong."""
        match = self._regex.match(code)
        if match is None:
            raise LayoutError(
                f"location {code!r} does not match the pattern {self.location_pattern}"
            )
        aisle, bay, level = (int(match.group(g)) for g in ("aisle", "bay", "level"))
        if not 1 <= aisle <= self.aisles:
            raise LayoutError(f"location {code!r}: aisle {aisle} is outside 1..{self.aisles}")
        positions = self.slots_per_block * self.blocks
        if not 1 <= bay <= 2 * positions:
            raise LayoutError(f"location {code!r}: bay {bay} is outside 1..{2 * positions}")
        if not 1 <= level <= self.levels:
            raise LayoutError(f"location {code!r}: level {level} is outside 1..{self.levels}")
        side: Side = "left" if bay % 2 == 1 else "right"
        return Slot(aisle=aisle, position=(bay + 1) // 2, side=side, level=level)

    def locate(self, code: str) -> PickPoint:
        """Where the picker stands to pick from ``code`` (the centre line of its aisle)."""
        if code in self._points:
            return self._points[code]
        slot = self.parse(code)
        block, offset = divmod(slot.position - 1, self.slots_per_block)
        y = self.cross_y(block) + self.cross_aisle_width / 2 + (offset + 0.5) * self.slot_pitch
        point = PickPoint(code, slot.aisle - 1, self.aisle_x(slot.aisle), y)
        if len(self._points) < 100_000:
            self._points[code] = point
        return point

    def code_for(self, aisle: int, position: int, side: Side = "left", level: int = 1) -> str:
        """The default-pattern code of a slot (used by generators, examples and tests)."""
        bay = 2 * position - (1 if side == "left" else 0)
        return f"P-{aisle:02d}-{bay:03d}-{level}-1"


@dataclass(frozen=True)
class GraphLayout:
    """An irregular building: a walkable graph with location codes pinned to its nodes."""

    nodes: dict[str, tuple[float, float]]
    edges: tuple[tuple[str, str, float], ...]
    depot: str
    locations: dict[str, str]
    name: str = "layout"

    def __post_init__(self) -> None:
        if self.depot not in self.nodes:
            raise LayoutError(f"depot {self.depot!r} is not a node")
        for a, b, dist in self.edges:
            for end in (a, b):
                if end not in self.nodes:
                    raise LayoutError(f"edge {a}-{b}: node {end!r} is not declared")
            if not (math.isfinite(dist) and dist >= 0):
                raise LayoutError(f"edge {a}-{b}: distance must be a non-negative number")
        for code, node in self.locations.items():
            if node not in self.nodes:
                raise LayoutError(f"location {code!r} points at unknown node {node!r}")

    def node_of(self, code: str) -> str:
        """The node a location code (or a bare node id) stands for."""
        if code in self.locations:
            return self.locations[code]
        if code in self.nodes:
            return code
        raise LayoutError(f"location {code!r} is neither a declared location nor a node")


Layout = RectangularLayout | GraphLayout
