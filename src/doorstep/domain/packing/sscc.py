"""Serial Shipping Container Codes from the merchant's GS1 company prefix.

    SSCC (18 digits) = extension digit (1) + company prefix (7–10) + serial reference
                       (the rest, 16 digits in all) + check digit (GS1 modulo 10)

The serial counter is the caller's (a database sequence), so two packing stations never
issue the same code; here only the layout and the check digit live.
"""

from __future__ import annotations

from stdnum import ean

from doorstep.domain.errors import InvalidValue


def make_sscc(company_prefix: str, serial: int, *, extension: int = 0) -> str:
    """The 18-digit SSCC for ``serial`` under ``company_prefix``, check digit included."""
    if not (company_prefix.isdigit() and 7 <= len(company_prefix) <= 10):
        raise InvalidValue("gs1_company_prefix", "must be 7 to 10 digits")
    if not 0 <= extension <= 9:
        raise InvalidValue("extension", "must be one digit")
    room = 16 - len(company_prefix)
    if not 0 <= serial < 10**room:
        raise InvalidValue("serial", f"must be below {10**room} for a {len(company_prefix)}-"
                           "digit company prefix (the prefix's serial range is used up)")
    body = f"{extension}{company_prefix}{serial:0{room}d}"
    return body + ean.calc_check_digit(body)


def is_valid_sscc(value: str) -> bool:
    return (len(value) == 18 and value.isdigit()
            and ean.calc_check_digit(value[:-1]) == value[-1])
