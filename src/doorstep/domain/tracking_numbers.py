"""Is a tracking number plausible for its carrier?  Formats and check digits, no I/O.

A number a carrier could never have issued (a typo at the packing bench, an order number
pasted into the wrong field) means no scan will ever arrive; the watchlist shows it at once
instead of days later as "forgotten".  The rules are deliberately permissive where carriers
issue several formats — a false alarm costs an operator's minute, a miss costs a customer.

    dhl     10–20 digits (Paket, Express), JJD… (Paket international), UPU S10
    dpd     14 digits
    gls     11–12 digits, or the 8-character TrackID
    hermes  14–16 digits, or H + 19–20 digits
    ups     1Z + 16 characters with the 1Z check digit, or 9–35 letters/digits
    other   6–40 letters/digits;  UPU S10 (``RR123456785DE``) with its check digit anywhere
"""

from __future__ import annotations

import re

from doorstep.domain.watchlist_texts import Why, english

_S10 = re.compile(r"^[A-Z]{2}(\d{8})(\d)[A-Z]{2}$")
_FORMATS: dict[str, tuple[re.Pattern[str], ...]] = {
    "dhl": (re.compile(r"^\d{10,20}$"), re.compile(r"^JJD\d{10,30}$"),
            re.compile(r"^[A-Z]{3,4}\d{8,30}$")),
    "dpd": (re.compile(r"^\d{14}$"),),
    "gls": (re.compile(r"^\d{11,12}$"), re.compile(r"^[A-Z0-9]{8}$")),
    "hermes": (re.compile(r"^\d{14,16}$"), re.compile(r"^H\d{19,20}$")),
    "ups": (re.compile(r"^1Z[0-9A-Z]{16}$"), re.compile(r"^[0-9A-Z]{9,35}$")),
}
_ANY = (re.compile(r"^[A-Z0-9]{6,40}$"),)
_S10_WEIGHTS = (8, 6, 4, 2, 3, 5, 9, 7)


def _s10_ok(number: str) -> bool:
    match = _S10.match(number)
    if match is None:
        return False
    total = sum(int(d) * w for d, w in zip(match.group(1), _S10_WEIGHTS, strict=True))
    check = 11 - total % 11
    check = 0 if check == 10 else 5 if check == 11 else check
    return check == int(match.group(2))


def _ups_1z_ok(number: str) -> bool:
    total = 0
    for i, ch in enumerate(number[2:-1]):
        value = int(ch) if ch.isdigit() else (ord(ch) - 3) % 10
        total += value * 2 if i % 2 else value
    check = (10 - total % 10) % 10
    return number[-1].isdigit() and check == int(number[-1])


def tracking_number_fault(carrier: str, number: str) -> Why | None:
    """Why ``number`` cannot be one of ``carrier``'s tracking numbers, or None if plausible
    (a text id and its facts: ``domain.watchlist_texts``)."""
    clean = number.replace(" ", "").replace("-", "").upper()
    if not clean:
        return Why("tracking_empty")
    if _S10.match(clean):
        return None if _s10_ok(clean) else Why("tracking_s10_check")
    family = carrier.split(":", 1)[0].strip().lower()
    if family == "ups" and clean.startswith("1Z") and len(clean) == 18:
        return None if _ups_1z_ok(clean) else Why("tracking_ups_check")
    patterns = _FORMATS.get(family, _ANY)
    if any(p.match(clean) for p in patterns):
        return None
    facts = {"length": len(clean), "number": clean[:24]}
    if family in _FORMATS:
        return Why("tracking_no_format", {**facts, "carrier": family})
    return Why("tracking_no_format_any", facts)


def tracking_number_problem(carrier: str, number: str) -> str | None:
    """:func:`tracking_number_fault` in English (None if the number is plausible)."""
    fault = tracking_number_fault(carrier, number)
    return None if fault is None else english(fault)
