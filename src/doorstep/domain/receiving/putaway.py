"""Where received goods go: putaway rules, velocity, and slotting moves that save walking.

Rules first, then velocity::

    candidate slots ─ storage category matches the item's (``general`` takes general goods)
                    ─ a fixed bin serves only its SKU; a no-mixing slot only one SKU
                    ─ free volume and weight hold at least one unit
    order           ─ the SKU's fixed bin ─► slots already holding the SKU (consolidate)
                    ─► by velocity: a SKU ranked r (0 = fastest mover, from the order
                       history) gets the free slot whose distance rank is closest to r,
                       so fast movers stand nearest the depot and slow ones leave room

``plan_slotting`` re-deals the SKUs' current locations by velocity (fastest SKU to the
location nearest the depot) and returns the moves; the caller measures the walk saved with
the exact router over real orders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from doorstep.domain.picking.layout import Layout, RectangularLayout
from doorstep.domain.picking.routing import walk_distance

__all__ = ["Move", "Slot", "depot_distance", "plan_slotting", "suggest_slot", "velocity_ranks"]


@dataclass(slots=True)
class Slot:
    code: str
    distance: float
    storage_category: str = "general"
    max_volume_cm3: float = float("inf")
    max_weight_g: float = float("inf")
    fixed_sku: str | None = None
    mixing_allowed: bool = True
    used_volume_cm3: float = 0.0
    used_weight_g: float = 0.0
    skus: set[str] = field(default_factory=set)

    def fits(self, volume: float, weight: float) -> int:
        """How many units of (volume, weight) still fit."""
        by_volume = (self.max_volume_cm3 - self.used_volume_cm3) / volume if volume > 0 \
            else float("inf")
        by_weight = (self.max_weight_g - self.used_weight_g) / weight if weight > 0 \
            else float("inf")
        room = min(by_volume, by_weight)
        return 10**9 if room == float("inf") else max(0, int(room))


@dataclass(frozen=True, slots=True)
class Move:
    sku: str
    source: str
    target: str


def depot_distance(layout: Layout, code: str) -> float:
    """Walking metres from the depot to ``code`` (rectangular: along the front cross aisle,
    then up the aisle; graphs: shortest path)."""
    if isinstance(layout, RectangularLayout):
        point = layout.locate(code)
        return abs(point.x - layout.depot_x) + point.y
    return walk_distance(layout, layout.depot, code)


def velocity_ranks(order_lines: Iterable[Iterable[str]]) -> dict[str, float]:
    """SKU → rank in [0, 1] by how many orders picked it (0 = the fastest mover)."""
    counts: Counter[str] = Counter()
    for skus in order_lines:
        counts.update(set(skus))
    ordered = sorted(counts, key=lambda s: (-counts[s], s))
    n = max(1, len(ordered) - 1)
    return {sku: i / n for i, sku in enumerate(ordered)}


def suggest_slot(sku: str, *, category: str, volume_cm3: float, weight_g: float,
                 slots: Sequence[Slot], rank: float | None) -> Slot | None:
    """The slot a unit of ``sku`` should go to, by the rules above; None when none fits."""
    allowed = [s for s in slots
               if s.storage_category == category
               and s.fixed_sku in (None, sku)
               and (s.mixing_allowed or not s.skus or s.skus == {sku})
               and s.fits(volume_cm3, weight_g) >= 1]
    if not allowed:
        return None
    fixed = [s for s in allowed if s.fixed_sku == sku]
    if fixed:
        return fixed[0]
    holding = [s for s in allowed if sku in s.skus]
    if holding:
        return min(holding, key=lambda s: s.distance)
    free = [s for s in allowed if s.fixed_sku is None]
    if not free:
        return None
    if rank is None:
        rank = 1.0  # unknown movers go far back and leave the near slots to known fast ones
    by_distance = sorted(slots, key=lambda s: s.distance)
    position = {s.code: i / max(1, len(by_distance) - 1) for i, s in enumerate(by_distance)}
    return min(free, key=lambda s: (abs(position[s.code] - rank), s.distance))


def plan_slotting(current: Mapping[str, str], ranks: Mapping[str, float],
                  distance: Mapping[str, float]) -> list[Move]:
    """Moves that give the fastest SKUs the locations nearest the depot.

    ``current``: SKU → its location; only those locations are dealt out again, so the plan
    needs no free space (it is a permutation, carried out as swaps).
    """
    skus = sorted(current, key=lambda s: (ranks.get(s, 2.0), s))
    locations = sorted(set(current.values()), key=lambda c: (distance[c], c))
    if len(locations) < len(skus):  # SKUs sharing a location: leave those alone
        return []
    target = dict(zip(skus, locations, strict=False))
    return [Move(sku, current[sku], target[sku]) for sku in skus
            if target[sku] != current[sku]]
