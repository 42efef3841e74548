"""What every router returns, and how a walk (polyline) becomes ordered stops.

Each router — exact or heuristic, rectangular or graph — produces the walk as a closed
polyline starting and ending at the depot.  The stops are the pick locations in the order
the walk first reaches them, so stops, distance and drawing can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

XY = tuple[float, float]


@dataclass(frozen=True, slots=True)
class Stop:
    """One location to pick from, where the picker stands for it."""

    location: str
    x: float
    y: float


@dataclass(frozen=True)
class Route:
    """A pick tour: the method that made it, its length in metres, stops and polyline."""

    method: str
    distance: float
    stops: tuple[Stop, ...]
    polyline: tuple[XY, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "method": self.method,
            "distance": round(self.distance, 3),
            "stops": [
                {"seq": i + 1, "location": s.location, "x": s.x, "y": s.y}
                for i, s in enumerate(self.stops)
            ],
            "polyline": [[x, y] for x, y in self.polyline],
        }


def key(x: float, y: float) -> XY:
    """A hashable point; rounding makes the same place computed twice compare equal."""
    return (round(x, 6), round(y, 6))


def polyline_length(points: Sequence[XY]) -> float:
    return sum(math.dist(a, b) for a, b in pairwise(points))


def simplify(points: Sequence[XY], keep: Iterable[XY] = ()) -> tuple[XY, ...]:
    """Drop repeated points and straight-through midpoints (keeping pick points)."""
    kept = set(keep)
    out: list[XY] = []
    for p in points:
        if out and out[-1] == p:
            continue
        if len(out) >= 2 and out[-1] not in kept:
            a, b = out[-2], out[-1]
            same_line = (a[0] == b[0] == p[0]) or (a[1] == b[1] == p[1])
            between = min(a[0], p[0]) <= b[0] <= max(a[0], p[0]) and min(a[1], p[1]) <= b[1] <= max(
                a[1], p[1]
            )
            if same_line and between:
                out[-1] = p
                continue
        out.append(p)
    return tuple(out)


def route_from_walk(
    method: str,
    walk: Sequence[XY],
    locations_at: Mapping[XY, Sequence[str]],
    *,
    distance: float | None = None,
) -> Route:
    """Build a :class:`Route` from a closed walk; stops follow the walk's first visits."""
    seen: set[XY] = set()
    stops: list[Stop] = []
    for p in walk:
        if p in locations_at and p not in seen:
            seen.add(p)
            stops.extend(Stop(code, p[0], p[1]) for code in sorted(locations_at[p]))
    missing = set(locations_at) - seen
    if missing:
        raise AssertionError(f"{method}: walk misses pick points {sorted(missing)}")
    length = polyline_length(walk) if distance is None else distance
    return Route(method, length, tuple(stops), simplify(walk, locations_at))
