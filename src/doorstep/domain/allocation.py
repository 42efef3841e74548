"""Allocation: which stock rows a line reserves from.

Pure decision code: the service hands in the free quantity per location (already locked in a
fixed order), and gets back reservations. Lines are served in order; within a line, pick-face
locations that can fill the whole line come first (one stop instead of two), then the
locations with most free stock, then location code for a stable, repeatable result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class FreeStock:
    location: str
    sku: str
    free: int


@dataclass(frozen=True, slots=True)
class LineNeed:
    line_id: int
    sku: str
    wanted: int


@dataclass(slots=True)
class AllocationPlan:
    reservations: list[tuple[int, str, str, int]] = field(default_factory=list)
    """(line_id, location, sku, quantity) to reserve."""
    short: dict[int, int] = field(default_factory=dict)
    """line_id → quantity that could not be reserved."""

    @property
    def complete(self) -> bool:
        return not self.short


def plan_allocation(needs: Sequence[LineNeed], stock: Sequence[FreeStock]) -> AllocationPlan:
    """Reserve what is free for each need; report the remainder as short."""
    free: dict[tuple[str, str], int] = {(s.location, s.sku): s.free for s in stock if s.free > 0}
    plan = AllocationPlan()
    for need in needs:
        remaining = need.wanted
        candidates = [loc for (loc, sku) in free if sku == need.sku]
        candidates.sort(
            key=lambda loc: (free[(loc, need.sku)] < remaining, -free[(loc, need.sku)], loc)
        )
        for loc in candidates:
            if remaining == 0:
                break
            take = min(remaining, free[(loc, need.sku)])
            if take <= 0:
                continue
            free[(loc, need.sku)] -= take
            remaining -= take
            plan.reservations.append((need.line_id, loc, need.sku, take))
        if remaining:
            plan.short[need.line_id] = remaining
    return plan
