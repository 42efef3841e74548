"""Plausibility rules for mapped shop orders (pure domain, no I/O)."""

from __future__ import annotations

import string
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.harmonise.order_checks import (
    DEFAULT_LIMITS,
    ISO_3166_ALPHA2,
    POSTCODE_FORMATS,
    LineMeasures,
    check_country,
    check_measures,
    check_order,
    check_placed_at,
    check_postcode,
    check_same_order,
    content_hash,
)
from doorstep.domain.harmonise.reasons import ReasonCode

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)

VALID_POSTCODES = [
    ("DE", "10115"), ("AT", "1010"), ("CH", "8001"), ("NL", "1012 AB"), ("NL", "1012AB"),
    ("BE", "1000"), ("FR", "75008"), ("IT", "00184"), ("ES", "28013"), ("PL", "00-950"),
    ("DK", "1050"), ("SE", "114 55"), ("GB", "SW1A 1AA"), ("GB", "M1 1AE"), ("US", "40202"),
    ("US", "94103-1234"), ("BR", "12345-000"), ("CA", "K1A 0B1"), ("IE", "D02 X285"),
]  # fmt: skip
INVALID_POSTCODES = [
    ("DE", "1011"), ("DE", "101155"), ("AT", "01010"), ("CH", "80011"), ("NL", "1012 SA"),
    ("BE", "0999"), ("FR", "99000"), ("IT", "0018"), ("ES", "53000"), ("PL", "00950"),
    ("DK", "0800"), ("SE", "014 55"), ("GB", "SW1A 1A"), ("US", "4020"), ("BR", "1234-000"),
]  # fmt: skip


@pytest.mark.parametrize(("country", "postcode"), VALID_POSTCODES)
def test_real_postcodes_pass_their_countrys_format(country: str, postcode: str) -> None:
    """A postcode written the way the national post writes it is accepted."""
    assert check_postcode(country, postcode) == []


@pytest.mark.parametrize(("country", "postcode"), INVALID_POSTCODES)
def test_malformed_postcodes_are_reported_with_the_country(country: str, postcode: str) -> None:
    """A postcode outside the country's format yields invalid_postcode naming both."""
    (reason,) = check_postcode(country, postcode)
    assert reason.code is ReasonCode.invalid_postcode
    assert country in reason.message and postcode in reason.message


def test_a_missing_postcode_is_reported_where_the_country_uses_postcodes() -> None:
    """An empty postcode for Germany is a missing field, for Hong Kong it is normal."""
    (reason,) = check_postcode("DE", "")
    assert reason.code is ReasonCode.missing_field
    assert check_postcode("HK", None) == []


@given(st.sampled_from(sorted(POSTCODE_FORMATS)), st.text(string.digits, min_size=9, max_size=14))
def test_long_digit_strings_are_never_a_valid_postcode(country: str, digits: str) -> None:
    """No country's format accepts nine or more bare digits (Brazil's CEP has eight)."""
    assert [r.code for r in check_postcode(country, digits)] == [ReasonCode.invalid_postcode]


@given(st.text(string.ascii_uppercase, min_size=2, max_size=2))
def test_only_assigned_iso_codes_are_countries(code: str) -> None:
    """check_country accepts exactly the ISO 3166-1 alpha-2 list."""
    assert (check_country(code) == []) == (code in ISO_3166_ALPHA2)


def test_lower_case_and_alpha3_country_codes_are_invalid() -> None:
    """'de' and 'DEU' are not alpha-2 codes; the mapping must upper-case and convert."""
    assert check_country("de")[0].code is ReasonCode.invalid_country
    assert check_country("DEU")[0].code is ReasonCode.invalid_country


def test_negative_or_huge_weights_and_sizes_are_out_of_range() -> None:
    """Weights below zero or above a tonne, sizes of zero or beyond 6 m, are reported per line."""
    reasons = check_measures([
        LineMeasures(weight_g=-1),
        LineMeasures(weight_g=DEFAULT_LIMITS.max_unit_weight_g + 1),
        LineMeasures(weight_g=0, dimensions_mm=(0, 100, DEFAULT_LIMITS.max_dimension_mm + 1)),
        LineMeasures(weight_g=200, dimensions_mm=(300, 200, 100)),
    ])
    assert [(r.code, r.field) for r in reasons] == [
        (ReasonCode.weight_out_of_range, "lines[0].weight"),
        (ReasonCode.weight_out_of_range, "lines[1].weight"),
        (ReasonCode.size_out_of_range, "lines[2].dimensions[0]"),
        (ReasonCode.size_out_of_range, "lines[2].dimensions[2]"),
    ]


@given(st.floats(min_value=0, max_value=DEFAULT_LIMITS.max_unit_weight_g))
def test_every_weight_in_range_passes(weight: float) -> None:
    """Any weight from 0 g (Shopify's 'no weight') up to the limit is plausible."""
    assert check_measures([LineMeasures(weight_g=weight)]) == []


def test_orders_from_the_future_or_before_online_shops_are_implausible() -> None:
    """placed_at beyond the clock skew is future_timestamp; before 1995 is impossible_date."""
    future = NOW + DEFAULT_LIMITS.max_future_skew + timedelta(seconds=1)
    assert check_placed_at(future, NOW)[0].code is ReasonCode.future_timestamp
    assert check_placed_at(NOW + timedelta(minutes=1), NOW) == []
    assert check_placed_at(datetime(1970, 1, 1, tzinfo=UTC), NOW)[0].code is (
        ReasonCode.impossible_date
    )


def test_postcode_is_not_checked_against_an_invalid_country() -> None:
    """An invalid country yields one reason, not a second one about its postcode."""
    reasons = check_order(country="XX", postcode="12345", placed_at=None, measures=[], now=NOW)
    assert [r.code for r in reasons] == [ReasonCode.invalid_country]


@given(st.dictionaries(st.text(max_size=5), st.integers() | st.text(max_size=5), max_size=6))
def test_content_hash_ignores_key_order(order: dict[str, object]) -> None:
    """The same content in any key order has the same hash."""
    reordered = dict(reversed(list(order.items())))
    assert content_hash(order) == content_hash(reordered)


def test_same_order_number_with_other_content_is_flagged_and_same_content_is_not() -> None:
    """check_same_order reports only a differing hash for a key seen before."""
    first = content_hash({"external_id": "1", "lines": [{"sku": "A", "quantity": 1}]})
    second = content_hash({"external_id": "1", "lines": [{"sku": "A", "quantity": 2}]})
    assert check_same_order("shopify:1", None, first) == []
    assert check_same_order("shopify:1", first, first) == []
    (reason,) = check_same_order("shopify:1", first, second)
    assert reason.code is ReasonCode.same_order_different_content
