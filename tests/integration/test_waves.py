"""Waves from the order book, pick confirmations and short picks, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from order_builders import order
from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import stock
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.layout_file import layout_from_data
from doorstep.services.intake import accept_order
from doorstep.services.order_views import order_view
from doorstep.services.outbox import process_batch
from doorstep.services.waves import WaveSite, confirm_pick, release_wave

LAYOUT = {"kind": "rectangular", "name": "test", "aisles": 10, "aisle_length": 20.0,
          "aisle_spacing": 3.0, "cross_aisles": 2, "cross_aisle_width": 2.0, "slot_pitch": 1.0,
          "levels": 4, "depot": {"aisle": 1}}
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)  # a Tuesday morning


@pytest.fixture
def site() -> WaveSite:
    return WaveSite(warehouse="BER", layout=layout_from_data(LAYOUT))


def allocated(engine: Engine, *orders_: tuple[str, tuple[str, int]]) -> list[str]:
    ids = [accept_order(engine, order(ext, line), f"k-{ext}").order_id for ext, line in orders_]
    while process_batch(engine).handled:
        pass
    return ids


def view(engine: Engine, oid: str) -> dict[str, object]:
    with engine.connect() as conn:
        return order_view(conn, oid)


def on_hand(engine: Engine, location: str, sku: str) -> tuple[int, int]:
    with engine.connect() as conn:
        row = conn.execute(select(stock.c.on_hand, stock.c.reserved).where(
            stock.c.location == location, stock.c.sku == sku)).one()
    return int(row.on_hand), int(row.reserved)


def test_a_wave_releases_allocated_orders_with_pick_lists_in_walking_order(
        stocked: Engine, site: WaveSite) -> None:
    """Both orders are released, each reserved unit has a task, seq follows the route."""
    a, b = allocated(stocked, ("W1", ("PEN", 2)), ("W2", ("MUG", 1)))
    with transaction(stocked, write=True) as conn:
        wave = release_wave(conn, site, now=NOW)
    assert sorted(wave["released"]) == sorted([a, b])
    assert view(stocked, a)["status"] == "released"
    lines = [line for pl in wave["pick_lists"] for line in pl["lines"]]
    assert {(ln["order_id"], ln["sku"], ln["quantity"]) for ln in lines} == {
        (a, "PEN", 2), (b, "MUG", 1)}
    assert wave["total_distance_m"] > 0
    for pl in wave["pick_lists"]:
        seqs = [ln["seq"] for ln in pl["lines"]]
        assert seqs == sorted(seqs)


def test_a_wave_respects_its_order_limit_and_says_why_others_wait(
        stocked: Engine, site: WaveSite) -> None:
    """With room for one order, the second is held with the reason 'wave full'."""
    from doorstep.domain.picking.waves import WaveRules

    allocated(stocked, ("W1", ("PEN", 1)), ("W2", ("PEN", 1)))
    with transaction(stocked, write=True) as conn:
        wave = release_wave(conn, site, now=NOW, rules=WaveRules(max_orders=1))
    assert len(wave["released"]) == 1
    assert "wave full" in wave["held"][0]["reason"]


def test_confirming_every_task_picks_the_order(stocked: Engine, site: WaveSite) -> None:
    """Full confirmations take the units from stock and mark the lines picked."""
    (a,) = allocated(stocked, ("W1", ("MUG", 2)))
    with transaction(stocked, write=True) as conn:
        wave = release_wave(conn, site, now=NOW)
    task = wave["pick_lists"][0]["lines"][0]
    with transaction(stocked, write=True) as conn:
        assert confirm_pick(conn, site, task["task_id"], 2, actor="picker-1")["status"] == "picked"
    v = view(stocked, a)
    assert v["status"] == "picking" and v["lines"][0]["picked"] == 2  # type: ignore[index]
    assert on_hand(stocked, "P-02-004-1-1", "MUG") == (0, 0)


def test_a_short_pick_reallocates_from_the_nearest_other_location(
        stocked: Engine, site: WaveSite) -> None:
    """5 pens reserved at aisle 1, 3 found: 2 come from aisle 2, written off at aisle 1."""
    (a,) = allocated(stocked, ("W1", ("PEN", 5)))
    with transaction(stocked, write=True) as conn:
        wave = release_wave(conn, site, now=NOW)
    task = wave["pick_lists"][0]["lines"][0]
    assert task["location"] == "P-01-001-1-1"
    with transaction(stocked, write=True) as conn:
        result = confirm_pick(conn, site, task["task_id"], 3, actor="picker-1")
    assert result["short"] == {"reallocated": [{"location": "P-02-004-1-1", "quantity": 2}],
                               "backordered": 0}
    assert on_hand(stocked, "P-01-001-1-1", "PEN") == (0, 0)  # 3 picked, 2 written off
    assert on_hand(stocked, "P-02-004-1-1", "PEN") == (3, 2)
    types = [e["type"] for e in view(stocked, a)["timeline"]]  # type: ignore[union-attr]
    assert "pick.short" in types


def test_a_short_pick_with_no_stock_elsewhere_backorders_the_rest(
        stocked: Engine, site: WaveSite) -> None:
    """2 mugs reserved, none found, none elsewhere: the order waits, 0 allocated."""
    (a,) = allocated(stocked, ("W1", ("MUG", 2)))
    with transaction(stocked, write=True) as conn:
        wave = release_wave(conn, site, now=NOW)
        task = wave["pick_lists"][0]["lines"][0]
        result = confirm_pick(conn, site, task["task_id"], 0, actor="picker-1")
    assert result["short"]["backordered"] == 2
    v = view(stocked, a)
    assert v["status"] == "backordered" and v["lines"][0]["allocated"] == 0  # type: ignore[index]
    assert on_hand(stocked, "P-02-004-1-1", "MUG") == (0, 0)


def test_a_task_cannot_be_confirmed_twice(stocked: Engine, site: WaveSite) -> None:
    """The second confirmation of the same task is refused naming the task's state."""
    from doorstep.domain.errors import InvalidTransition

    allocated(stocked, ("W1", ("MUG", 1)))
    with transaction(stocked, write=True) as conn:
        task = release_wave(conn, site, now=NOW)["pick_lists"][0]["lines"][0]
        confirm_pick(conn, site, task["task_id"], 1, actor="p")
        with pytest.raises(InvalidTransition) as err:
            confirm_pick(conn, site, task["task_id"], 1, actor="p")
    assert (err.value.subject, err.value.current) == ("pick task", "picked")
