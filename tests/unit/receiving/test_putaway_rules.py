"""Putaway suggestions follow the rules first (category, capacity, fixed bins, mixing),
then velocity; the slotting plan gives the fastest SKUs the nearest locations."""

from __future__ import annotations

from doorstep.domain.picking.layout import RectangularLayout
from doorstep.domain.receiving.putaway import (
    Slot,
    depot_distance,
    plan_slotting,
    suggest_slot,
    velocity_ranks,
)


def _slots() -> list[Slot]:
    return [Slot("NEAR", 2.0), Slot("MID", 10.0), Slot("FAR", 30.0)]


def test_a_fast_mover_goes_near_the_depot_and_a_slow_one_far() -> None:
    assert suggest_slot("A", category="general", volume_cm3=1, weight_g=1, slots=_slots(),
                        rank=0.0).code == "NEAR"  # type: ignore[union-attr]
    assert suggest_slot("Z", category="general", volume_cm3=1, weight_g=1, slots=_slots(),
                        rank=1.0).code == "FAR"  # type: ignore[union-attr]


def test_storage_category_must_match() -> None:
    slots = _slots()
    slots[2].storage_category = "frozen"
    found = suggest_slot("ICE", category="frozen", volume_cm3=1, weight_g=1, slots=slots,
                         rank=0.0)
    assert found is not None and found.code == "FAR"


def test_capacity_in_volume_and_weight_is_respected() -> None:
    slots = _slots()
    slots[0].max_volume_cm3 = 500
    slots[1].max_weight_g = 100
    found = suggest_slot("BIG", category="general", volume_cm3=800, weight_g=50, slots=slots,
                         rank=0.0)
    assert found is not None and found.code == "MID"
    heavy = suggest_slot("HEAVY", category="general", volume_cm3=100, weight_g=200,
                         slots=slots, rank=0.0)
    assert heavy is not None and heavy.code == "NEAR"
    assert slots[0].fits(100, 1) == 5


def test_a_fixed_bin_serves_only_its_sku_and_wins_for_it() -> None:
    slots = _slots()
    slots[0].fixed_sku = "PEN"
    slots[2].fixed_sku = "MUG"
    assert suggest_slot("MUG", category="general", volume_cm3=1, weight_g=1, slots=slots,
                        rank=0.0).code == "FAR"  # type: ignore[union-attr]
    assert suggest_slot("CUP", category="general", volume_cm3=1, weight_g=1, slots=slots,
                        rank=0.0).code == "MID"  # type: ignore[union-attr]


def test_no_mixing_keeps_other_skus_out_and_same_sku_consolidates() -> None:
    slots = _slots()
    slots[0].mixing_allowed = False
    slots[0].skus = {"PEN"}
    assert suggest_slot("MUG", category="general", volume_cm3=1, weight_g=1, slots=slots,
                        rank=0.0).code == "MID"  # type: ignore[union-attr]
    slots[2].skus = {"MUG"}
    assert suggest_slot("MUG", category="general", volume_cm3=1, weight_g=1, slots=slots,
                        rank=0.0).code == "FAR"  # type: ignore[union-attr]


def test_velocity_ranks_count_orders_not_units() -> None:
    ranks = velocity_ranks([["A", "A", "B"], ["A"], ["C"], ["A", "C"]])
    assert ranks["A"] == 0.0 and ranks["C"] == 0.5 and ranks["B"] == 1.0


def test_the_slotting_plan_swaps_a_fast_mover_to_the_near_location() -> None:
    moves = plan_slotting({"FAST": "FAR", "SLOW": "NEAR"}, {"FAST": 0.0, "SLOW": 1.0},
                          {"NEAR": 1.0, "FAR": 9.0})
    assert {(m.sku, m.source, m.target) for m in moves} == {
        ("FAST", "FAR", "NEAR"), ("SLOW", "NEAR", "FAR")}


def test_depot_distance_walks_the_front_aisle_then_up() -> None:
    layout = RectangularLayout(aisles=3, aisle_length=10, aisle_spacing=3)
    assert depot_distance(layout, "P-01-001-1-1") < depot_distance(layout, "P-03-001-1-1")
    assert depot_distance(layout, "P-01-001-1-1") < depot_distance(layout, "P-01-019-1-1")
