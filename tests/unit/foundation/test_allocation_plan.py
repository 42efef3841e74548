"""Allocation planning (pure)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.allocation import FreeStock, LineNeed, plan_allocation

SKUS = ["A", "B", "C"]


def test_a_location_that_can_fill_the_whole_line_is_preferred() -> None:
    """One stop beats two: 4 units come from the location holding 5, not from 3 + 1."""
    plan = plan_allocation([LineNeed(1, "A", 4)],
                           [FreeStock("L1", "A", 3), FreeStock("L2", "A", 5)])
    assert plan.reservations == [(1, "L2", "A", 4)]
    assert plan.complete


def test_what_cannot_be_reserved_is_reported_short() -> None:
    """With 3 free, a line of 5 reserves 3 and reports 2 short."""
    plan = plan_allocation([LineNeed(7, "A", 5)], [FreeStock("L1", "A", 3)])
    assert plan.short == {7: 2}
    assert sum(r[3] for r in plan.reservations) == 3


@given(
    st.lists(st.tuples(st.sampled_from(SKUS), st.integers(1, 20)), min_size=1, max_size=6),
    st.lists(st.tuples(st.sampled_from(["L1", "L2", "L3"]), st.sampled_from(SKUS),
                       st.integers(0, 15)), max_size=9, unique_by=lambda t: (t[0], t[1])),
)
def test_a_plan_never_reserves_more_than_is_free_and_accounts_for_every_unit(
    needs: list[tuple[str, int]], free: list[tuple[str, str, int]]
) -> None:
    """Reserved per location ≤ free there; reserved + short = wanted for every line."""
    lines = [LineNeed(i, sku, qty) for i, (sku, qty) in enumerate(needs)]
    stock = [FreeStock(loc, sku, qty) for loc, sku, qty in free]
    plan = plan_allocation(lines, stock)
    taken: dict[tuple[str, str], int] = {}
    for _line, loc, sku, qty in plan.reservations:
        assert qty > 0
        taken[(loc, sku)] = taken.get((loc, sku), 0) + qty
    for s in stock:
        assert taken.get((s.location, s.sku), 0) <= s.free
    for line in lines:
        got = sum(r[3] for r in plan.reservations if r[0] == line.line_id)
        assert got + plan.short.get(line.line_id, 0) == line.wanted
