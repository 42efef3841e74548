"""Products, GTINs and location codes."""

from __future__ import annotations

import pytest

from doorstep.demo.catalogue import make_products
from doorstep.domain.catalogue import LocationCode, Product
from doorstep.domain.errors import InvalidValue
from doorstep.domain.gs1 import validate_gtin


def test_a_gtin_with_a_wrong_check_digit_is_rejected_by_name() -> None:
    """4006381333932 (last digit off by one) fails, and the error names the field."""
    with pytest.raises(InvalidValue) as err:
        validate_gtin("4006381333932")
    assert err.value.field == "gtin"


@pytest.mark.parametrize("gtin", ["96385074", "036000291452", "4006381333931",
                                  "14006381333938"])
def test_all_gtin_lengths_are_accepted(gtin: str) -> None:
    """GTIN-8, -12, -13 and -14 with valid check digits pass unchanged."""
    assert validate_gtin(gtin) == gtin


def test_a_product_out_of_range_names_the_field() -> None:
    """A 0 g product is refused with the field weight_g named."""
    with pytest.raises(InvalidValue) as err:
        Product(sku="X", gtin="4006381333931", name="x", weight_g=0, length_mm=1,
                width_mm=1, height_mm=1)
    assert err.value.field == "weight_g"


def test_location_codes_round_trip() -> None:
    """P-03-012-2-1 reads as zone P, aisle 3, bay 12, level 2, bin 1, and prints back."""
    code = LocationCode.parse("P-03-012-2-1")
    assert (code.zone, code.aisle, code.bay, code.level, code.bin) == ("P", 3, 12, 2, 1)
    assert str(code) == "P-03-012-2-1"


def test_a_malformed_location_code_says_what_is_expected() -> None:
    """A code without the bay part is refused with the expected pattern."""
    with pytest.raises(InvalidValue, match="ZONE-AA-BBB-L-N"):
        LocationCode.parse("P-03-2-1")


def test_the_demo_catalogue_has_200_plus_valid_unique_products() -> None:
    """The demo ships at least 200 SKUs, all with valid, distinct GTINs."""
    products = make_products(240)
    assert len(products) >= 200
    assert len({p.gtin for p in products}) == len(products)
    assert all(validate_gtin(p.gtin) == p.gtin for p in products)
