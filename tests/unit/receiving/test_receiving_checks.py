"""Every receiving check, each with a case that must fail it (and the clean case passing)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from doorstep.adapters.importers.asn_mapping import load_asn_profile, map_advices
from doorstep.domain.gs1 import key_from_epc
from doorstep.domain.receiving.checks import CheckedLine, check_advice, check_receipt
from doorstep.domain.receiving.model import Advice, AdviceLine, ItemMaster, SupplierTerms
from doorstep.domain.receiving.reasons import ReceivingReason as R

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SUPPLIER = "4000001000005"
OTHER = "4000003000003"
PEN = ItemMaster("PEN", "04000001000012", weight_g=12, suppliers=frozenset({SUPPLIER}),
                 case_qty=12, pallet_qty=480, min_shelf_life_days=30,
                 lot_pattern=re.compile(r"L\d{4}"))
MUG = ItemMaster("MUG", "04000001000029", weight_g=350, suppliers=frozenset({OTHER}))
ITEMS = {PEN.gtin14: PEN, MUG.gtin14: MUG}
SSCC = "340000010000000013"
CLEAN = AdviceLine(1, "4000001000012", Decimal(2), "case", sscc=SSCC, lot="L0001",
                   best_before="20270301", weight_g=288)


def _check(*lines: AdviceLine, open_units: dict[str, int] | None = None,
           seen: frozenset[str] = frozenset(), supplier: str = SUPPLIER,
           despatched: datetime | None = NOW - timedelta(days=1),
           terms: SupplierTerms | None = None):  # type: ignore[no-untyped-def]
    advice = Advice("A1", supplier, "PO1", tuple(lines), despatched_at=despatched)
    return check_advice(advice, items=ITEMS, supplier=terms, seen_ssccs=seen, now=NOW,
                        open_units={"PEN": 24} if open_units is None else open_units)


def _codes(checked) -> set[R]:  # type: ignore[no-untyped-def]
    return {f.code for f in checked.findings} | {f.code for cl in checked.lines
                                                  for f in cl.findings}


def test_a_clean_advice_has_no_findings_and_counts_cases_in_units() -> None:
    checked = _check(CLEAN)
    assert _codes(checked) == set()
    assert checked.lines[0].units == 24 and checked.lines[0].sku == "PEN"


def test_wrong_gtin_check_digit() -> None:
    assert R.gtin_check_digit in _codes(_check(replace(CLEAN, gtin="4000001000013")))


def test_wrong_sscc_check_digit() -> None:
    assert R.sscc_check_digit in _codes(_check(replace(CLEAN, sscc="340000010000000014")))


def test_wrong_supplier_gln_check_digit() -> None:
    assert R.gln_check_digit in _codes(_check(CLEAN, supplier="4000001000006"))


def test_unknown_gtin() -> None:
    assert R.unknown_gtin in _codes(_check(replace(CLEAN, gtin="4000001000036")))


def test_gtin_of_another_supplier() -> None:
    line = AdviceLine(1, "4000001000029", Decimal(1))
    assert R.gtin_of_other_supplier in _codes(_check(line, open_units={"MUG": 1}))


def test_sscc_received_before_and_sscc_twice_in_one_advice() -> None:
    assert R.sscc_already_received in _codes(_check(CLEAN, seen=frozenset({SSCC})))
    twice = _check(CLEAN, replace(CLEAN, line_no=2), open_units={"PEN": 48})
    assert R.sscc_already_received in {f.code for f in twice.lines[1].findings}


def test_over_delivery_against_the_po_beyond_tolerance_only() -> None:
    assert R.over_delivery in _codes(_check(CLEAN, open_units={"PEN": 20}))
    lenient = SupplierTerms(SUPPLIER, over_pct=Decimal(25))
    assert _codes(_check(CLEAN, open_units={"PEN": 20}, terms=lenient)) == set()


def test_unexpected_item_and_missing_item() -> None:
    checked = _check(CLEAN, open_units={"CUP": 5})
    assert [f.code for f in checked.lines[0].findings] == [R.unexpected_item]
    assert [f.code for f in checked.findings] == [R.missing_item]  # on the advice


def test_a_case_of_twelve_counted_as_twelve_cases() -> None:
    line = replace(CLEAN, quantity=Decimal(24), unit="case", weight_g=None)
    assert R.pack_size_mismatch in _codes(_check(line, open_units={"PEN": 24}))


def test_weight_against_master_weight_times_quantity() -> None:
    assert R.weight_mismatch in _codes(_check(replace(CLEAN, weight_g=2880)))


def test_best_before_format_and_minimum_remaining_shelf_life() -> None:
    assert R.best_before_format in _codes(_check(replace(CLEAN, best_before="31/02/2027")))
    assert R.shelf_life_too_short in _codes(_check(replace(CLEAN, best_before="20261215")))
    assert R.shelf_life_too_short in _codes(_check(replace(CLEAN, best_before="20261101")))


def test_lot_format() -> None:
    assert R.lot_format in _codes(_check(replace(CLEAN, lot="lot-7")))
    assert R.lot_format in _codes(_check(replace(CLEAN, lot=None)))


def test_despatch_date_in_the_future_or_implausibly_old() -> None:
    assert R.date_in_future in _codes(_check(CLEAN, despatched=NOW + timedelta(days=3)))
    assert R.date_implausibly_old in _codes(_check(CLEAN, despatched=NOW - timedelta(days=900)))
    assert R.date_implausibly_old in _codes(_check(replace(CLEAN, best_before="20991231")))


def test_a_quantity_that_is_not_whole_units() -> None:
    assert R.invalid_quantity in _codes(_check(replace(CLEAN, quantity=Decimal("1.5"),
                                                       unit="each", weight_g=None)))


def test_receipt_counted_against_advised() -> None:
    line = CheckedLine(CLEAN, "PEN", 24)
    terms = SupplierTerms(SUPPLIER, under_pct=Decimal(10))
    assert check_receipt(line, 24, 0, terms=terms) == []
    assert check_receipt(line, 22, 0, terms=terms) == []  # within 10 %
    assert [f.code for f in check_receipt(line, 20, 0, terms=terms)] == [R.under_delivery]
    assert [f.code for f in check_receipt(line, 25, 0, terms=terms)] == [R.over_delivery]
    assert [f.code for f in check_receipt(line, 2, 0, terms=terms, case_qty=12)] == [
        R.pack_size_mismatch]
    assert [f.code for f in check_receipt(line, 22, 2, terms=terms)] == [R.damaged]


def test_the_real_desadv_with_wrong_check_digits_is_caught() -> None:
    path = Path(__file__).parents[2] / "fixtures" / "receiving" / "desadv_bad_check_digits.edi"
    (mapped,) = map_advices(load_asn_profile("desadv-eancom-d96a"), path.read_bytes()).advices
    checked = check_advice(mapped.advice, items={}, supplier=None, open_units=None,
                           seen_ssccs=frozenset(), now=NOW)
    assert [f.code for f in checked.findings] == [R.date_implausibly_old]  # 2018
    for line in checked.lines:
        codes = [f.code for f in line.findings]
        assert codes == [R.sscc_check_digit, R.gtin_check_digit], line.line
        assert line.blocked


def test_epc_uris_become_gs1_keys_with_computed_check_digits() -> None:
    assert key_from_epc("urn:epc:id:sgtin:0614141.107346.2017") == ("gtin", "10614141073464")
    assert key_from_epc("urn:epc:id:sscc:0614141.1234567890") == ("sscc", "106141412345678908")
    assert key_from_epc("urn:epc:id:sgtin:0614141.10734.2017") is None  # wrong length
