"""Weights to whole grams and lengths to whole millimetres.

Sources report weights in g, kg, lb or oz and sizes in mm, cm or in; doorstep stores
integers in the base unit so that comparisons never meet floating-point noise.  Unit
labels are matched case-insensitively against a small table of spellings that real
payloads use (``KGS``, ``LBS``, ``Kilogramm`` …); anything else is an unknown unit,
never a guess.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

__all__ = [
    "LENGTH_UNITS",
    "WEIGHT_UNITS",
    "UnitError",
    "canonical_length_unit",
    "canonical_weight_unit",
    "parse_number",
    "to_grams",
    "to_millimetres",
]

WEIGHT_UNITS: dict[str, Decimal] = {
    "g": Decimal(1),
    "kg": Decimal(1000),
    "lb": Decimal("453.59237"),
    "oz": Decimal("28.349523125"),
}
LENGTH_UNITS: dict[str, Decimal] = {"mm": Decimal(1), "cm": Decimal(10), "in": Decimal("25.4")}

_WEIGHT_SPELLINGS = {
    "g": "g", "gr": "g", "gram": "g", "grams": "g", "gramm": "g",
    "kg": "kg", "kgs": "kg", "kilo": "kg", "kilos": "kg", "kilogram": "kg",
    "kilograms": "kg", "kilogramm": "kg",
    "lb": "lb", "lbs": "lb", "pound": "lb", "pounds": "lb",
    "oz": "oz", "ounce": "oz", "ounces": "oz",
    "grm": "g", "kgm": "kg", "lbr": "lb", "onz": "oz",  # UN/ECE Rec. 20 (EDIFACT, EPCIS uom)
}  # fmt: skip
_LENGTH_SPELLINGS = {
    "mm": "mm", "millimetre": "mm", "millimeter": "mm",
    "cm": "cm", "centimetre": "cm", "centimeter": "cm",
    "in": "in", "inch": "in", "inches": "in", '"': "in",
}  # fmt: skip


class UnitError(ValueError):
    """A quantity or unit cannot be read; ``code`` says which (a ReasonCode value)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def canonical_weight_unit(label: str) -> str:
    """``'KGS'`` → ``'kg'``; raises :class:`UnitError` for anything not in the table."""
    unit = _WEIGHT_SPELLINGS.get(label.strip().lower().rstrip("."))
    if unit is None:
        raise UnitError("unit_unknown", f"unknown weight unit {label!r} (use g, kg, lb or oz)")
    return unit


def canonical_length_unit(label: str) -> str:
    """``'CM'`` → ``'cm'``; raises :class:`UnitError` for anything not in the table."""
    unit = _LENGTH_SPELLINGS.get(label.strip().lower().rstrip("."))
    if unit is None:
        raise UnitError("unit_unknown", f"unknown length unit {label!r} (use mm, cm or in)")
    return unit


def parse_number(value: object) -> Decimal:
    """Read ``12.5``, ``"12.5"`` or ``"12,5"`` (decimal comma) as a Decimal."""
    if isinstance(value, bool):
        raise UnitError("unit_parse_failed", f"{value!r} is not a number")
    if isinstance(value, int | float):
        return Decimal(str(value))
    if not isinstance(value, str):
        raise UnitError("unit_parse_failed", f"{value!r} is not a number")
    text = value.strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise UnitError("unit_parse_failed", f"{value!r} is not a number") from None
    if not number.is_finite():
        raise UnitError("unit_parse_failed", f"{value!r} is not a finite number")
    return number


def to_grams(value: object, unit: str) -> int:
    """Convert a weight in ``unit`` (any known spelling) to whole grams, rounded half-even."""
    factor = WEIGHT_UNITS[canonical_weight_unit(unit)]
    return int((parse_number(value) * factor).to_integral_value())


def to_millimetres(value: object, unit: str) -> int:
    """Convert a length in ``unit`` (any known spelling) to whole millimetres."""
    factor = LENGTH_UNITS[canonical_length_unit(unit)]
    return int((parse_number(value) * factor).to_integral_value())
