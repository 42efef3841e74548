"""Wave release order, wave capacity, pick lists and short-pick decisions."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from doorstep.domain.picking import (
    OrderLine,
    RectangularLayout,
    ShortPick,
    ShortPickError,
    WaveError,
    WaveOrder,
    WaveRules,
    choose_release,
    decide_short_pick,
    plan_wave,
    walk_distance,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LAYOUT = RectangularLayout(aisles=6, aisle_length=10, aisle_spacing=3)


def order(
    oid: str,
    *,
    cutoff_h: float = 8,
    promised: int = 1,
    priority: int = 0,
    age_min: int = 10,
    lines: int = 1,
) -> WaveOrder:
    return WaveOrder(
        id=oid,
        carrier="dhl",
        cutoff=NOW + timedelta(hours=cutoff_h),
        promised=date(2026, 11, 23) + timedelta(days=promised),
        priority=priority,
        created_at=NOW - timedelta(minutes=age_min),
        lines=tuple(
            OrderLine(f"SKU-{oid}-{i}", 1, LAYOUT.code_for(1 + i % 6, 1 + i)) for i in range(lines)
        ),
    )


def test_at_risk_cutoffs_go_first_then_promise_date_priority_and_age() -> None:
    """The release ranking follows cut-off risk, promised date, priority, then age."""
    orders = [
        order("late-promise", promised=3),
        order("old", age_min=300),
        order("urgent", priority=9),
        order("risk-later", cutoff_h=1.5),
        order("risk-soon", cutoff_h=0.5),
        order("early-promise", promised=0),
    ]
    ranked = [d.order_id for d in choose_release(orders, NOW, WaveRules(max_orders=10))]
    assert ranked == ["risk-soon", "risk-later", "early-promise", "urgent", "old", "late-promise"]


def test_a_missed_cutoff_is_not_treated_as_at_risk() -> None:
    """An order whose cut-off has passed cannot make it; it ranks by promise like the rest."""
    ranked = choose_release(
        [order("missed", cutoff_h=-1), order("risk", cutoff_h=1)], NOW, WaveRules()
    )
    assert [d.order_id for d in ranked] == ["risk", "missed"]


def test_wave_capacity_holds_the_rest_with_a_reason() -> None:
    """Orders beyond the wave's order or line limit are held, and say why."""
    orders = [order(f"o{i}", lines=2, age_min=100 - i) for i in range(5)]
    decisions = choose_release(orders, NOW, WaveRules(max_orders=3, max_lines=5))
    assert [d.released for d in decisions] == [True, True, False, False, False]
    assert "5 lines" in decisions[2].reason


def test_pick_lists_cover_every_line_of_every_released_order_in_walking_order() -> None:
    """Each released line is listed once, with its order's tote, in walking order."""
    orders = [order(f"o{i}", lines=1 + i % 3, age_min=i) for i in range(7)]
    wave = plan_wave(LAYOUT, orders, NOW, rules=WaveRules(max_orders=5))
    released = {d.order_id for d in wave.decisions if d.released}
    listed = [(line.order_id, line.sku) for pl in wave.pick_lists for line in pl.lines]
    expected = [(o.id, li.sku) for o in orders if o.id in released for li in o.lines]
    assert sorted(listed) == sorted(expected)
    for pl in wave.pick_lists:
        stop_rank = {s.location: i for i, s in enumerate(pl.stops)}
        ranks = [stop_rank[line.location] for line in pl.lines]
        assert ranks == sorted(ranks)
        assert all(pl.totes[line.order_id] == line.tote for line in pl.lines)


def test_naive_timestamps_are_rejected() -> None:
    """Times without a zone are ambiguous and refused."""
    with pytest.raises(WaveError, match="timezone-aware"):
        choose_release([order("a")], NOW.replace(tzinfo=None), WaveRules())


def test_short_pick_takes_the_nearest_stock_first_and_backorders_the_rest() -> None:
    """The shortfall comes from the nearest free stock; the remainder is backordered."""
    short = ShortPick("SO-1", "TEA", "P-01-001-1-1", requested=5, picked=1, at=NOW, by="anna")
    near, far = "P-01-005-1-1", "P-06-019-1-1"
    decision = decide_short_pick(
        short, [(far, 10), (near, 2), ("P-01-001-1-1", 9)], lambda a, b: walk_distance(LAYOUT, a, b)
    )
    assert [(r.location, r.qty) for r in decision.reallocations] == [(near, 2), (far, 2)]
    assert decision.backordered == 0
    assert decision.event["type"] == "pick.short" and decision.event["by"] == "anna"


def test_short_pick_without_alternatives_backorders_everything() -> None:
    """With no stock elsewhere the whole shortfall is backordered and recorded."""
    short = ShortPick("SO-1", "TEA", "P-01-001-1-1", requested=4, picked=1, at=NOW)
    decision = decide_short_pick(short, [], lambda a, b: 0.0)
    assert (decision.reallocations, decision.backordered) == ((), 3)
    assert decision.event["backordered"] == 3


def test_a_full_pick_is_not_a_short_pick() -> None:
    """Picked equal to requested is refused as a short pick."""
    with pytest.raises(ShortPickError):
        decide_short_pick(ShortPick("S", "T", "L", 2, 2, NOW), [], lambda a, b: 0.0)
