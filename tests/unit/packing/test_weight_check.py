"""The scale against the contents: a parcel that weighs wrong is held with the likely reason."""

from __future__ import annotations

import pytest

from doorstep.domain.packing import Item, WeightVerdict, check_weight

SHOE = Item("SHOE", 330, 210, 120, 1000)
TEE = Item("TEE", 300, 250, 20, 180)


def test_a_parcel_within_tolerance_passes() -> None:
    check = check_weight([SHOE, TEE], tare_g=250, measured_g=1445)
    assert check.ok
    assert check.expected_g == 1430


def test_a_parcel_one_shoe_light_is_held_as_a_missing_item() -> None:
    check = check_weight([SHOE, SHOE, TEE], tare_g=250, measured_g=1440)
    assert check.verdict is WeightVerdict.MISSING_ITEM
    assert check.suspects == ("SHOE",)


def test_a_parcel_one_tee_heavy_is_held_as_an_extra_item() -> None:
    check = check_weight([SHOE, TEE], tare_g=250, measured_g=1430 + 180)
    assert check.verdict is WeightVerdict.EXTRA_ITEM
    assert check.suspects == ("TEE",)


def test_an_unexplained_difference_points_at_the_master_data() -> None:
    check = check_weight([SHOE], tare_g=250, measured_g=1700)
    assert check.verdict is WeightVerdict.WRONG_ITEM_OR_MASTER_DATA
    assert "master data" in check.reason


def test_the_tolerance_grows_with_the_expected_weight() -> None:
    assert check_weight([SHOE] * 10, tare_g=500, measured_g=10_800).ok  # ±335 g
    assert not check_weight([TEE], tare_g=50, measured_g=280).ok  # ±27 g


def test_a_scale_reading_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="measured_g"):
        check_weight([SHOE], tare_g=250, measured_g=0)
