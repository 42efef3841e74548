"""Purchase orders, despatch advices and the master data the checks read.

Quantities in the database and in every comparison are *base units* (each).  A purchase
order or an advice may count in cases or pallets; ``to_units`` turns ``(quantity, unit)``
into base units with the product's pack sizes, so "1 case of 12" and "12 each" compare
equal and "12 cases" of a 12-pack is 144 units::

    PO line:     sku, gtin, quantity + unit (each | case | pallet), pack size
    advice:      number, supplier GLN, PO number, function (original | replace | cancel)
      └─ lines:  line no, GTIN, quantity + unit, SSCC, lot, best-before, weight

PO states move forward only: ``open → partly_received → received``, and ``closed`` (by
hand) from any of them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from doorstep.domain.errors import InvalidValue

__all__ = [
    "UNITS",
    "Advice",
    "AdviceLine",
    "ItemMaster",
    "POStatus",
    "PurchaseOrderLine",
    "SupplierTerms",
    "po_status_after",
    "to_units",
]

UNITS = ("each", "case", "pallet")


class POStatus(StrEnum):
    OPEN = "open"
    PARTLY_RECEIVED = "partly_received"
    RECEIVED = "received"
    CLOSED = "closed"


def po_status_after(ordered: int, received: int, current: str) -> POStatus:
    """The status a PO has once ``received`` of its ``ordered`` units have arrived."""
    if current == POStatus.CLOSED:
        return POStatus.CLOSED
    if received <= 0:
        return POStatus.OPEN
    return POStatus.RECEIVED if received >= ordered else POStatus.PARTLY_RECEIVED


@dataclass(frozen=True, slots=True)
class ItemMaster:
    """What the checks know of one product: master weight and the supplier's pack sizes."""

    sku: str
    gtin14: str
    weight_g: int
    volume_cm3: float = 0.0
    suppliers: frozenset[str] = frozenset()
    """GLNs allowed to deliver it; empty means any supplier."""
    case_qty: int = 1
    pallet_qty: int = 0
    min_shelf_life_days: int = 0
    lot_pattern: re.Pattern[str] | None = None
    storage_category: str = "general"


@dataclass(frozen=True, slots=True)
class SupplierTerms:
    """A supplier's tolerances: how far a quantity may differ before a line is held."""

    gln: str
    over_pct: Decimal = Decimal(0)
    under_pct: Decimal = Decimal(0)
    recadv: str = "json"
    """``json`` or ``edifact``: how the receiving advice goes back to this supplier."""


def to_units(quantity: Decimal | int, unit: str, item: ItemMaster | None, *,
             pack_size: int | None = None) -> int | None:
    """Base units for ``quantity`` of ``unit``; None when it is not a whole number of units."""
    if unit == "each":
        factor = 1
    elif unit == "case":
        factor = pack_size or (item.case_qty if item is not None else 0)
    elif unit == "pallet":
        factor = pack_size or (item.pallet_qty if item is not None else 0)
    else:
        return None
    if factor <= 0:
        return None
    units = Decimal(quantity) * factor
    if units != units.to_integral_value() or units <= 0:
        return None
    return int(units)


@dataclass(frozen=True, slots=True)
class PurchaseOrderLine:
    line_no: int
    sku: str
    gtin: str
    quantity: int
    unit: str = "each"
    pack_size: int = 1

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise InvalidValue(f"lines.{self.line_no}.unit",
                               f"{self.unit!r} is not one of {', '.join(UNITS)}")
        if self.quantity <= 0:
            raise InvalidValue(f"lines.{self.line_no}.quantity", "must be a positive number")
        if self.pack_size <= 0:
            raise InvalidValue(f"lines.{self.line_no}.pack_size", "must be a positive number")

    @property
    def units(self) -> int:
        return self.quantity * (1 if self.unit == "each" else self.pack_size)


@dataclass(frozen=True, slots=True)
class AdviceLine:
    """One advised line as the supplier sent it (GS1 keys already in digits)."""

    line_no: int
    gtin: str
    quantity: Decimal
    unit: str = "each"
    sscc: str | None = None
    lot: str | None = None
    best_before: str | None = None
    weight_g: int | None = None
    po_number: str | None = None


@dataclass(frozen=True, slots=True)
class Advice:
    """A despatch advice; ``function`` says whether it replaces or cancels an earlier one."""

    number: str
    supplier_gln: str
    po_number: str
    lines: tuple[AdviceLine, ...]
    function: str = "original"
    despatched_at: datetime | None = None
    expected_on: date | None = None
    profile: str = ""
    extra: dict[str, str] = field(default_factory=dict)
