"""GS1 keys: GTIN, SSCC and GLN check digits, and EPC URIs to GS1 keys (pure, no I/O).

The catalogue checks a product's GTIN here, goods in checks advices' GTINs, SSCCs and GLNs.

Suppliers quote the same thing in different spellings: a GTIN as 8/12/13/14 digits, an
EPCIS ``urn:epc:id:sgtin:0614141.107346.2017`` (company prefix, indicator + item
reference, serial) or a class ``urn:epc:idpat:sgtin:4012345.098765.*``; an SSCC as 18 digits
or ``urn:epc:id:sscc:0614141.1234567890``.  EPC URIs carry no check digit (it is computed),
so only keys written out in digits can arrive with a wrong one.  Check digits are checked
with python-stdnum's GS1 mod-10 (``ean``) for every length.
"""

from __future__ import annotations

from functools import lru_cache

from stdnum import ean

from doorstep.domain.errors import InvalidValue

__all__ = [
    "gln_problem",
    "gtin14",
    "gtin_check_digit",
    "gtin_problem",
    "key_from_epc",
    "sscc_problem",
    "validate_gtin",
]


def _check_digit_problem(digits: str, lengths: tuple[int, ...], what: str) -> str | None:
    if not digits.isdigit():
        return f"{what} {digits!r} must contain only digits"
    if len(digits) not in lengths:
        allowed = ", ".join(str(n) for n in lengths)
        return f"{what} {digits!r} has {len(digits)} digits (allowed: {allowed})"
    expected = ean.calc_check_digit(digits[:-1])
    if digits[-1] != expected:
        return f"{what} {digits!r}: check digit is {digits[-1]}, should be {expected}"
    return None


@lru_cache(maxsize=65536)  # a catalogue's GTINs recur in every advice
def gtin_problem(value: str) -> str | None:
    """None for a valid GTIN-8/12/13/14, else what is wrong with it."""
    return _check_digit_problem(value, (8, 12, 13, 14), "GTIN")


def validate_gtin(value: str, *, field: str = "gtin") -> str:
    """A GTIN's digits (blanks removed, kept in the length it was quoted in), or
    ``InvalidValue`` naming ``field`` and what is wrong."""
    digits = value.strip().replace(" ", "")
    problem = gtin_problem(digits)
    if problem is not None:
        raise InvalidValue(field, problem)
    return digits


def gtin_check_digit(body: str) -> str:
    """The check digit completing ``body`` (all but the last digit of a GTIN)."""
    return str(ean.calc_check_digit(body))


def sscc_problem(value: str) -> str | None:
    """None for a valid 18-digit SSCC, else what is wrong with it."""
    return _check_digit_problem(value, (18,), "SSCC")


@lru_cache(maxsize=4096)
def gln_problem(value: str) -> str | None:
    """None for a valid 13-digit GLN, else what is wrong with it."""
    return _check_digit_problem(value, (13,), "GLN")


def gtin14(value: str) -> str:
    """A GTIN padded to 14 digits: the one spelling to compare GTINs by."""
    return value.rjust(14, "0")


@lru_cache(maxsize=65536)
def key_from_epc(value: str) -> tuple[str, str] | None:
    """``("gtin", digits)`` or ``("sscc", digits)`` for an EPC URI, None for anything else.

    ``sgtin``/``lgtin``/``idpat:sgtin`` give the GTIN-14 (indicator digit first, then the
    company prefix and the rest of the item reference, then the computed check digit);
    ``sscc`` gives the SSCC-18 (extension digit, prefix, serial reference, check digit).
    """
    text = value.strip()
    for prefix, kind in (
        ("urn:epc:id:sgtin:", "gtin"),
        ("urn:epc:class:lgtin:", "gtin"),
        ("urn:epc:idpat:sgtin:", "gtin"),
        ("urn:epc:id:sscc:", "sscc"),
    ):
        if text.startswith(prefix):
            parts = text[len(prefix):].split(".")
            if len(parts) < 2 or not (parts[0].isdigit() and parts[1].isdigit()):
                return None
            company, reference = parts[0], parts[1]
            if not reference:
                return None
            body = reference[0] + company + reference[1:]
            expected_len = 13 if kind == "gtin" else 17
            if len(body) != expected_len:
                return None
            return kind, body + ean.calc_check_digit(body)
    return None
