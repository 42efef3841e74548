"""The checks a despatch advice and a receipt pass before anything enters stock.

Pure functions over plain data, so the same rules run in the API, the CLI and the
benchmark, and each one is tested with a failing case.  Each finding names its
:class:`ReceivingReason`, the field and, for line findings, the advice line::

    advice  ─► supplier GLN check digit; despatch date not in the future, not a year old
    line    ─► GTIN / SSCC check digits ─► GTIN known ─► GTIN from this supplier
            ─► SSCC not received before, not twice in the advice
            ─► quantity in whole units (unit x pack size) ─► weight ~ master x quantity
            ─► best-before a date, far enough ahead ─► lot matches the product's pattern
    per SKU ─► advised vs open on the PO: over (beyond tolerance), unexpected item,
               pack-size mix-up (off by exactly the case size); PO items not advised:
               missing (reported, not held)
    receipt ─► counted vs advised: over, under, pack-size mix-up; damaged units

Why tolerances are percentages of the expected quantity: a supplier allowed to ship 5 %
over a PO of 1,000 may send 1,050, while 1 extra on an order of 3 is a third too many.
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from doorstep.domain.gs1 import gln_problem, gtin14, gtin_problem, sscc_problem
from doorstep.domain.receiving.model import Advice, AdviceLine, ItemMaster, SupplierTerms, to_units
from doorstep.domain.receiving.reasons import BLOCKING, Finding, ReceivingReason

__all__ = [
    "CheckedAdvice",
    "CheckedLine",
    "check_advice",
    "check_receipt",
    "parse_best_before",
]

R = ReceivingReason
WEIGHT_TOLERANCE = Decimal("0.10")
MAX_ADVICE_AGE = timedelta(days=365)
FUTURE_SKEW = timedelta(hours=12)
MAX_BEST_BEFORE_YEARS = 30


@dataclass(slots=True)
class CheckedLine:
    """An advice line with its SKU, base units (if they could be worked out) and findings."""

    line: AdviceLine
    sku: str | None
    units: int | None
    findings: list[Finding] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(f.code in BLOCKING for f in self.findings)


@dataclass(slots=True)
class CheckedAdvice:
    advice: Advice
    lines: list[CheckedLine]
    findings: list[Finding] = field(default_factory=list)
    """Advice-level findings (GLN, dates) and PO items not advised (missing)."""

    @property
    def blocked(self) -> bool:
        """Advice-level findings that block every line (a bad GLN, an impossible date)."""
        return any(f.code in BLOCKING for f in self.findings)


def parse_best_before(text: str) -> date | None:
    """``YYYYMMDD``, ``YYYY-MM-DD`` or GS1's ``YYMMDD`` (day 00 = end of month); else None."""
    raw = text.strip()
    try:
        if len(raw) == 8 and raw.isdigit():
            return date(int(raw[:4]), int(raw[4:6]), int(raw[6:]))
        if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
            return date.fromisoformat(raw)
        if len(raw) == 6 and raw.isdigit():
            year, month, day = 2000 + int(raw[:2]), int(raw[2:4]), int(raw[4:])
            if day == 0:  # GS1 AI (15)/(17): day 00 means the last day of the month
                following = date(year + month // 12, month % 12 + 1, 1)
                return following - timedelta(days=1)
            return date(year, month, day)
    except ValueError:
        return None
    return None


def _line_findings(
    cl: CheckedLine, item: ItemMaster | None, supplier_gln: str, now: datetime,
    seen_ssccs: Container[str], advice_ssccs: dict[str, int],
) -> None:
    line, out, n = cl.line, cl.findings, cl.line.line_no
    if line.sscc:
        problem = sscc_problem(line.sscc)
        if problem is not None:
            out.append(Finding(R.sscc_check_digit, "sscc", problem, n))
        elif line.sscc in seen_ssccs:
            out.append(Finding(R.sscc_already_received, "sscc",
                               f"SSCC {line.sscc} was received before", n))
        first = advice_ssccs.setdefault(f"{line.sscc}/{line.gtin}/{line.lot}", n)
        if first != n and problem is None:  # lines of one package share an SSCC, not a GTIN
            out.append(Finding(R.sscc_already_received, "sscc",
                               f"SSCC {line.sscc} holds {line.gtin} twice in this advice "
                               f"(lines {first} and {n})", n))
    problem = gtin_problem(line.gtin)
    if problem is not None:
        out.append(Finding(R.gtin_check_digit, "gtin", problem, n))
        return
    if item is None:
        out.append(Finding(R.unknown_gtin, "gtin", f"GTIN {line.gtin} is not in the product "
                                                   "master", n))
        return
    if item.suppliers and supplier_gln not in item.suppliers:
        out.append(Finding(R.gtin_of_other_supplier, "gtin",
                           f"GTIN {line.gtin} ({item.sku}) is not supplied by {supplier_gln}", n))
    units = to_units(line.quantity, line.unit, item)
    if units is None:
        out.append(Finding(R.invalid_quantity, "quantity",
                           f"{line.quantity} {line.unit} is not a whole, positive number of units "
                           f"(case {item.case_qty}, pallet {item.pallet_qty or 'unknown'})", n))
    cl.units = units
    if units is not None and line.weight_g is not None and item.weight_g > 0:
        expected = item.weight_g * units
        if abs(line.weight_g - expected) > WEIGHT_TOLERANCE * expected:
            out.append(Finding(R.weight_mismatch, "weight",
                               f"advised {line.weight_g} g, master says {units} x "
                               f"{item.weight_g} g = {expected} g", n))
    if line.best_before:
        best = parse_best_before(line.best_before)
        if best is None:
            out.append(Finding(R.best_before_format, "best_before",
                               f"{line.best_before!r} is not a date (YYYYMMDD, YYYY-MM-DD, "
                               "YYMMDD)", n))
        else:
            today = now.date()
            left = (best - today).days
            if best.year - today.year > MAX_BEST_BEFORE_YEARS:
                out.append(Finding(R.date_implausibly_old, "best_before",
                                   f"best-before {best} is more than {MAX_BEST_BEFORE_YEARS} "
                                   "years ahead", n))
            elif left < item.min_shelf_life_days or left < 0:
                out.append(Finding(R.shelf_life_too_short, "best_before",
                                   f"best-before {best}: {left} days left, "
                                   f"{item.min_shelf_life_days} required", n))
    if item.lot_pattern is not None and (
            not line.lot or item.lot_pattern.fullmatch(line.lot) is None):
            out.append(Finding(R.lot_format, "lot",
                               f"lot {line.lot!r} does not match {item.lot_pattern.pattern}", n))


def _tolerance(expected: int, pct: Decimal) -> int:
    return int(expected * pct / 100)


def check_advice(
    advice: Advice,
    *,
    items: Mapping[str, ItemMaster],
    supplier: SupplierTerms | None,
    open_units: Mapping[str, int] | None,
    seen_ssccs: Container[str],
    now: datetime,
) -> CheckedAdvice:
    """Every finding about ``advice``; ``items`` is keyed by GTIN-14, ``open_units`` by SKU
    (what the PO still expects; None when the PO is not known yet)."""
    terms = supplier or SupplierTerms(advice.supplier_gln)
    result = CheckedAdvice(advice, [])
    problem = gln_problem(advice.supplier_gln)
    if problem is not None:
        result.findings.append(Finding(R.gln_check_digit, "supplier_gln", problem))
    if advice.despatched_at is not None:
        if advice.despatched_at > now + FUTURE_SKEW:
            result.findings.append(Finding(R.date_in_future, "despatched_at",
                                           f"despatched {advice.despatched_at:%Y-%m-%d} is in "
                                           "the future"))
        elif advice.despatched_at < now - MAX_ADVICE_AGE:
            result.findings.append(Finding(R.date_implausibly_old, "despatched_at",
                                           f"despatched {advice.despatched_at:%Y-%m-%d} is more "
                                           "than a year ago"))
    advice_ssccs: dict[str, int] = {}
    by_sku: dict[str, list[CheckedLine]] = {}
    for line in advice.lines:
        item = items.get(gtin14(line.gtin)) if line.gtin.isdigit() else None
        cl = CheckedLine(line, item.sku if item is not None else None, None)
        _line_findings(cl, item, advice.supplier_gln, now, seen_ssccs, advice_ssccs)
        result.lines.append(cl)
        if cl.sku is not None:
            by_sku.setdefault(cl.sku, []).append(cl)
    if open_units is None:
        return result
    for sku, lines in by_sku.items():
        advised = sum(cl.units or 0 for cl in lines)
        expected = open_units.get(sku)
        if expected is None:
            for cl in lines:
                cl.findings.append(Finding(R.unexpected_item, "gtin",
                                           f"{sku} is not on purchase order {advice.po_number}",
                                           cl.line.line_no))
            continue
        _compare(lines, advised, expected, terms, items, "purchase order")
    for sku, expected in open_units.items():
        if sku not in by_sku and expected > 0:
            result.findings.append(Finding(R.missing_item, "lines",
                                           f"{sku}: {expected} units open on purchase order "
                                           f"{advice.po_number}, none advised"))
    return result


def _compare(lines: list[CheckedLine], actual: int, expected: int, terms: SupplierTerms,
             items: Mapping[str, ItemMaster], against: str) -> None:
    if actual == expected or not lines:
        return
    item = items.get(gtin14(lines[0].line.gtin))
    case = item.case_qty if item is not None else 1
    if case > 1 and (actual == expected * case or actual * case == expected):
        for cl in lines:
            cl.findings.append(Finding(R.pack_size_mismatch, "quantity",
                                       f"{actual} units against {expected} on the {against}: "
                                       f"off by the case size {case} (cases counted as units?)",
                                       cl.line.line_no))
        return
    if actual > expected + _tolerance(expected, terms.over_pct):
        for cl in lines:
            cl.findings.append(Finding(R.over_delivery, "quantity",
                                       f"{actual} units against {expected} on the {against} "
                                       f"(tolerance {terms.over_pct} %)", cl.line.line_no))


def check_receipt(
    cl: CheckedLine, counted: int, damaged: int, *, terms: SupplierTerms,
    case_qty: int = 1,
) -> list[Finding]:
    """Findings for what the desk counted (good + damaged units) against the advised line."""
    n = cl.line.line_no
    out: list[Finding] = []
    advised = cl.units or 0
    total = counted + damaged
    if damaged > 0:
        out.append(Finding(R.damaged, "damaged", f"damaged units: {damaged}", n))
    if total == advised or advised <= 0:
        return out
    if case_qty > 1 and (total * case_qty == advised or advised * case_qty == total):
        out.append(Finding(R.pack_size_mismatch, "counted",
                           f"counted {total} units, advised {advised}: off by the case size "
                           f"{case_qty}", n))
    elif total > advised + _tolerance(advised, terms.over_pct):
        out.append(Finding(R.over_delivery, "counted",
                           f"counted {total} units, advised {advised} "
                           f"(tolerance {terms.over_pct} %)", n))
    elif total < advised - _tolerance(advised, terms.under_pct):
        of_them = f" ({damaged} of them damaged)" if damaged else ""
        out.append(Finding(R.under_delivery, "counted",
                           f"counted {total} units{of_them}, advised {advised} "
                           f"(tolerance {terms.under_pct} %)", n))
    return out
