"""GS1 identifiers checked with python-stdnum (pure functions, no I/O).

A GTIN may be 8, 12, 13 or 14 digits; we store it as given (digits only) after checking
the check digit, because shops and suppliers quote the form they print.
"""

from __future__ import annotations

from stdnum import ean
from stdnum.exceptions import ValidationError

from doorstep.domain.errors import InvalidValue


def validate_gtin(value: str, *, field: str = "gtin") -> str:
    """Return the GTIN's digits or raise ``InvalidValue`` saying what is wrong."""
    digits = value.strip().replace(" ", "")
    if not digits.isdigit():
        raise InvalidValue(field, f"{value!r} must contain only digits")
    if len(digits) not in (8, 12, 13, 14):
        raise InvalidValue(field, f"{value!r} has {len(digits)} digits; a GTIN has 8, 12, 13 or 14")
    try:
        ean.validate(digits)
    except ValidationError as exc:
        raise InvalidValue(field, f"{value!r}: {exc}") from exc
    return digits


def gtin_check_digit(body: str) -> str:
    """The check digit completing ``body`` (all but the last digit of a GTIN)."""
    return str(ean.calc_check_digit(body))
