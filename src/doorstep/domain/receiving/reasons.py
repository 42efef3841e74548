"""Why a line of a despatch advice or a receipt is held: one code per check.

Each code is what the receiving desk sees beside a held line and what the receiving
advice (RECADV) reports back to the supplier; members are plain strings so they store and
serialise as-is.  ``BLOCKING`` codes send the line to the receiving hold; the rest are
reported but let the line pass (for instance an under-delivery within tolerance).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ReceivingReason(StrEnum):
    """A finding about an advice, one of its lines, or what arrived."""

    gtin_check_digit = "gtin_check_digit"
    """A GTIN's check digit (or length) is wrong."""
    sscc_check_digit = "sscc_check_digit"
    """An SSCC's check digit (or length) is wrong."""
    gln_check_digit = "gln_check_digit"
    """The supplier's GLN is not a valid GLN."""
    unknown_gtin = "unknown_gtin"
    """No product in the master has this GTIN."""
    gtin_of_other_supplier = "gtin_of_other_supplier"
    """The GTIN belongs to a product this supplier does not supply."""
    sscc_already_received = "sscc_already_received"
    """This SSCC was received before (or appears twice in the advice)."""
    over_delivery = "over_delivery"
    """More than ordered (or advised) beyond the supplier's tolerance."""
    under_delivery = "under_delivery"
    """Less than ordered (or advised) beyond the supplier's tolerance."""
    unexpected_item = "unexpected_item"
    """An item the purchase order does not contain."""
    missing_item = "missing_item"
    """A purchase-order (or advised) item that did not come."""
    pack_size_mismatch = "pack_size_mismatch"
    """The quantity looks like cases counted as units or units as cases."""
    weight_mismatch = "weight_mismatch"
    """The advised weight differs from master weight x quantity beyond 10 %."""
    best_before_format = "best_before_format"
    """A best-before date that is not a date in a known format."""
    lot_format = "lot_format"
    """A lot/batch number that does not match the product's lot pattern."""
    shelf_life_too_short = "shelf_life_too_short"
    """Less remaining shelf life than the product's minimum (or already expired)."""
    date_in_future = "date_in_future"
    """A despatch date in the future."""
    date_implausibly_old = "date_implausibly_old"
    """A despatch date older than a year, or a best-before more than 30 years ahead."""
    advice_changed = "advice_changed"
    """The same advice number arrived again with different content (not as a replacement)."""
    damaged = "damaged"
    """Units recorded as damaged at the receiving desk."""
    invalid_quantity = "invalid_quantity"
    """A quantity that is not a positive whole number of units."""
    missing_field = "missing_field"
    """A field the advice needs is absent."""
    invalid_value = "invalid_value"
    """A field that cannot be read (a date, a unit, a number the profile cannot parse)."""


BLOCKING: frozenset[ReceivingReason] = frozenset(ReceivingReason) - {
    ReceivingReason.missing_item,  # reported on the advice; nothing arrived to hold
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One finding: code, the field it concerns, a message, and the line (if any)."""

    code: ReceivingReason
    field: str
    message: str
    line: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code.value, "field": self.field, "message": self.message,
                "line": self.line}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Finding:
        line = data.get("line")
        return cls(ReceivingReason(str(data["code"])), str(data.get("field", "")),
                   str(data.get("message", "")), int(line) if isinstance(line, int) else None)
