"""Short picks: the location was empty (or held less); re-allocate or backorder the rest.

Pure decision: given what was short and which other locations hold the SKU with free
quantity, take the shortfall from the nearest locations (walking distance from the empty
one, ties by location code) and backorder whatever they cannot cover.  The caller applies
the decision to stock and records :attr:`ShortPickDecision.event` on the order's timeline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime


class ShortPickError(ValueError):
    """The confirmation does not describe a short pick (quantities inconsistent)."""


@dataclass(frozen=True, slots=True)
class ShortPick:
    order_id: str
    sku: str
    location: str
    requested: int
    picked: int
    at: datetime
    by: str | None = None


@dataclass(frozen=True, slots=True)
class Reallocation:
    location: str
    qty: int
    distance: float


@dataclass(frozen=True)
class ShortPickDecision:
    reallocations: tuple[Reallocation, ...]
    backordered: int
    event: dict[str, object]


def decide_short_pick(
    short: ShortPick,
    alternatives: Sequence[tuple[str, int]],
    distance: Callable[[str, str], float],
) -> ShortPickDecision:
    """Re-allocate the shortfall from the nearest locations with free stock; backorder the rest.

    ``alternatives`` are ``(location, free_qty)`` pairs for the same SKU; the short location
    itself and locations without free quantity are ignored.
    """
    if short.at.tzinfo is None:
        raise ShortPickError("at must be timezone-aware")
    if not 0 <= short.picked < short.requested:
        raise ShortPickError(
            f"picked ({short.picked}) must be at least 0 and less than requested "
            f"({short.requested}) for a short pick"
        )
    for loc, free in alternatives:
        if free < 0:
            raise ShortPickError(f"alternative {loc}: free quantity must not be negative")
    missing = short.requested - short.picked
    ranked = sorted(
        (
            (distance(short.location, loc), loc, free)
            for loc, free in alternatives
            if loc != short.location and free > 0
        ),
        key=lambda t: (t[0], t[1]),
    )
    taken: list[Reallocation] = []
    for dist, loc, free in ranked:
        if missing == 0:
            break
        qty = min(free, missing)
        taken.append(Reallocation(loc, qty, dist))
        missing -= qty
    event: dict[str, object] = {
        "type": "pick.short",
        "order_id": short.order_id,
        "sku": short.sku,
        "location": short.location,
        "requested": short.requested,
        "picked": short.picked,
        "reallocated": [{"location": r.location, "qty": r.qty} for r in taken],
        "backordered": missing,
        "at": short.at.isoformat(),
        "by": short.by,
    }
    return ShortPickDecision(tuple(taken), missing, event)
