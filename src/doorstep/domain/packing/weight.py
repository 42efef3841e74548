"""Does the parcel on the scale weigh what its contents should?  Checked before any label.

Expected weight = the items' master-data weights + the carton's tare.  The tolerance is
per carton type: an absolute part (scale resolution, tape, filler) plus a share of the
expected weight.  Outside it the parcel is held, and the verdict says the likeliest reason:

    measured ≈ expected − one item's weight   → missing item (names the candidates)
    measured ≈ expected + one item's weight   → an extra item
    other difference                          → wrong item or wrong master data

A parcel is never labelled on a failed check; an operator accepts it with a note or repacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from doorstep.domain.packing.geometry import Item


class WeightVerdict(StrEnum):
    OK = "ok"
    MISSING_ITEM = "missing_item"
    EXTRA_ITEM = "extra_item"
    WRONG_ITEM_OR_MASTER_DATA = "wrong_item_or_master_data"


@dataclass(frozen=True, slots=True)
class WeightCheck:
    verdict: WeightVerdict
    expected_g: int
    measured_g: int
    tolerance_g: int
    reason: str
    suspects: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict is WeightVerdict.OK


def tolerance_g(expected_g: int, *, absolute_g: int, percent: float) -> int:
    return absolute_g + round(expected_g * percent / 100)


def check_weight(items: list[Item], *, tare_g: int, measured_g: int, absolute_g: int = 20,
                 percent: float = 3.0) -> WeightCheck:
    """Compare the scale's reading with the contents; say why when it is off."""
    if measured_g <= 0:
        raise ValueError("measured_g: must be a positive number of grams")
    expected = tare_g + sum(it.weight_g for it in items)
    tol = tolerance_g(expected, absolute_g=absolute_g, percent=percent)
    diff = measured_g - expected
    if abs(diff) <= tol:
        return WeightCheck(WeightVerdict.OK, expected, measured_g, tol,
                           f"within ±{tol} g of {expected} g")
    if diff < 0:
        suspects = sorted({it.sku for it in items if abs(-diff - it.weight_g) <= tol})
        if suspects:
            return WeightCheck(WeightVerdict.MISSING_ITEM, expected, measured_g, tol,
                               f"{-diff} g light: about one unit of {', '.join(suspects)}",
                               tuple(suspects))
    else:
        suspects = sorted({it.sku for it in items if abs(diff - it.weight_g) <= tol})
        if suspects:
            return WeightCheck(WeightVerdict.EXTRA_ITEM, expected, measured_g, tol,
                               f"{diff} g heavy: about one more unit of {', '.join(suspects)}",
                               tuple(suspects))
    direction = "heavy" if diff > 0 else "light"
    return WeightCheck(WeightVerdict.WRONG_ITEM_OR_MASTER_DATA, expected, measured_g, tol,
                       f"{abs(diff)} g {direction} (tolerance ±{tol} g): a wrong item or "
                       "wrong product weights in the master data")
