"""Which cartons an order goes in: the cheapest set that holds its items, proven to close.

    one carton holds everything?  cheapest such carton (cartons tried by cost; the heuristic
                                  in each of the carton's six turns first — its layers
                                  follow the carton's axes, so a turn can close what
                                  another leaves open — then the exact search for small
                                  orders)
    none does?                    split: fill the carton type that packs the most volume per
                                  unit of cost, repeat with what is left, then re-box each
                                  parcel in the cheapest carton that holds its share

An order is split only when no single carton holds it: a second parcel costs a second label
and a second delivery, which outweighs the carton price difference for every carrier tariff
we know.  Every returned parcel has passed ``geometry.verify`` and the carton's maximum load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import permutations

from doorstep.domain.errors import InvalidValue
from doorstep.domain.packing import exact
from doorstep.domain.packing.geometry import Dims, Item, Placement, verify
from doorstep.domain.packing.heuristic import pack_into, sort_for_packing


@dataclass(frozen=True, slots=True)
class CartonType:
    """A carton a warehouse stocks: inner dimensions, tare, maximum load and price."""

    code: str
    length_mm: int
    width_mm: int
    height_mm: int
    tare_g: int
    max_load_g: int
    cost: Decimal
    weight_tolerance_g: int = 20
    weight_tolerance_pct: float = 3.0

    @property
    def inner(self) -> Dims:
        return (self.length_mm, self.width_mm, self.height_mm)

    @property
    def volume(self) -> int:
        return self.length_mm * self.width_mm * self.height_mm

    def admits(self, item: Item) -> bool:
        """The item fits this carton in some orientation and alone is not too heavy."""
        return (item.weight_g <= self.max_load_g and all(
            a <= b for a, b in zip(sorted(item.dims), sorted(self.inner), strict=True)))


@dataclass(frozen=True, slots=True)
class Parcel:
    carton: CartonType
    placements: tuple[Placement, ...] = field(default_factory=tuple)

    @property
    def items(self) -> list[Item]:
        return [p.item for p in self.placements]

    @property
    def content_weight_g(self) -> int:
        return sum(p.item.weight_g for p in self.placements)

    @property
    def gross_weight_g(self) -> int:
        return self.content_weight_g + self.carton.tare_g

    @property
    def utilisation(self) -> float:
        return sum(p.item.volume for p in self.placements) / self.carton.volume


_AXIS_ORDERS = tuple(permutations(range(3)))


def _turned_back(placement: Placement, axes: tuple[int, ...]) -> Placement:
    """A placement found in the carton turned so that its axis ``axes[i]`` was axis ``i``,
    in the carton's own axes."""
    at, size = [0, 0, 0], [0, 0, 0]
    got = ((placement.x, placement.dx), (placement.y, placement.dy), (placement.z, placement.dz))
    for i, axis in enumerate(axes):
        at[axis], size[axis] = got[i]
    return Placement(placement.item, at[0], at[1], at[2], size[0], size[1], size[2])


def _pack_all(carton: CartonType, items: list[Item], *, use_exact: bool) -> list[Placement] | None:
    """All of ``items`` in ``carton``, or None."""
    if sum(it.weight_g for it in items) > carton.max_load_g:
        return None
    if sum(it.volume for it in items) > carton.volume:
        return None
    if not all(carton.admits(it) for it in items):
        return None
    tried: set[Dims] = set()
    for axes in _AXIS_ORDERS:
        inner = (carton.inner[axes[0]], carton.inner[axes[1]], carton.inner[axes[2]])
        if inner in tried:
            continue  # two equal sides: this turn of the carton was tried already
        tried.add(inner)
        placed, left = pack_into(inner, items, presorted=True)
        if not left:
            return [_turned_back(p, axes) for p in placed]
    if use_exact and len(items) <= exact.EXACT_MAX_ITEMS:
        found = exact.fits(carton.inner, items)
        if isinstance(found, list):
            return found
    return None


def cheapest_single(items: list[Item], cartons: list[CartonType], *,
                    use_exact: bool = True) -> Parcel | None:
    """The cheapest carton that holds all ``items``, with the packing; None if none does."""
    ordered = sort_for_packing(items)
    for carton in sorted(cartons, key=lambda c: (c.cost, c.volume, c.code)):
        placed = _pack_all(carton, ordered, use_exact=use_exact)
        if placed is not None:
            return Parcel(carton, tuple(placed))
    return None


def choose_cartons(items: list[Item], cartons: list[CartonType], *,
                   use_exact: bool = True) -> list[Parcel]:
    """The cheapest carton set for ``items`` (see the module docstring); raises InvalidValue
    naming the item when no carton can hold it at all."""
    if not items:
        raise InvalidValue("items", "nothing to pack")
    if not cartons:
        raise InvalidValue("cartons", "no carton types configured for this warehouse")
    for it in items:
        if not any(c.admits(it) for c in cartons):
            raise InvalidValue(f"items[{it.sku}]", f"no carton holds {it.sku} "
                               f"({it.length_mm}x{it.width_mm}x{it.height_mm} mm, "
                               f"{it.weight_g} g)")
    single = cheapest_single(items, cartons, use_exact=use_exact)
    parcels = [single] if single is not None else [
        _boxed(share, cartons, use_exact=use_exact)
        for share in split_shares(items, cartons, use_exact=use_exact)]
    for parcel in parcels:
        verify(parcel.carton.inner, list(parcel.placements))
        if parcel.content_weight_g > parcel.carton.max_load_g:
            raise AssertionError(f"{parcel.carton.code} overloaded")  # a bug, never input
    return parcels


def split_shares(items: list[Item], cartons: list[CartonType], *,
                 use_exact: bool = True) -> list[list[Item]]:
    """How an order no single carton holds is divided into parcels (the items of each).

    Fill the carton type that packs the most volume per unit of cost, repeat with what is
    left until one carton holds the rest.  Public so that a comparison (the benchmark's
    volume rule) can box the very same shares its own way.
    """
    remaining = sort_for_packing(items)
    shares: list[list[Item]] = []
    while remaining:
        whole = cheapest_single(remaining, cartons, use_exact=use_exact)
        if whole is not None:
            shares.append(whole.items)
            break
        best: tuple[float, list[Placement]] | None = None
        for carton in cartons:
            placed, _ = pack_into(carton.inner, remaining, presorted=True,
                                  stop_on_miss=False, max_load_g=carton.max_load_g)
            if not placed:
                continue
            score = sum(p.item.volume for p in placed) / float(carton.cost or Decimal("0.01"))
            if best is None or score > best[0]:
                best = (score, placed)
        if best is None:  # pragma: no cover - every item is admitted by some carton
            raise AssertionError("split made no progress")
        taken = [p.item for p in best[1]]
        shares.append(taken)
        for it in taken:
            remaining.remove(it)
    return shares


def _boxed(share: list[Item], cartons: list[CartonType], *, use_exact: bool) -> Parcel:
    parcel = cheapest_single(share, cartons, use_exact=use_exact)
    if parcel is None:  # pragma: no cover - the share was packed into some carton
        raise AssertionError("a packed share found no carton")
    return parcel
