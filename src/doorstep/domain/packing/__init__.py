"""Goods out: which cartons an order goes in, and whether the packed parcel weighs right.

    items (sku, dimensions, weight) ──► cartons.choose_cartons ──► [Parcel(carton, placements)]
                                              │  heuristic.pack_into (extreme points, 6 rotations)
                                              │  exact.fits (small orders: exhaustive on normal
                                              │             positions — proves fit / no fit)
                                              └► geometry.verify (every packing re-checked)
    scale weight ──► weight.check_weight ──► ok | held with a reason

Pure Python: no I/O, no database.  Dimensions are whole millimetres, weights whole grams,
costs ``Decimal``.
"""

from doorstep.domain.packing.cartons import (
    CartonType,
    Parcel,
    cheapest_single,
    choose_cartons,
    split_shares,
)
from doorstep.domain.packing.geometry import Item, Placement, verify
from doorstep.domain.packing.weight import WeightCheck, WeightVerdict, check_weight

__all__ = [
    "CartonType",
    "Item",
    "Parcel",
    "Placement",
    "WeightCheck",
    "WeightVerdict",
    "cheapest_single",
    "check_weight",
    "choose_cartons",
    "split_shares",
    "verify",
]
