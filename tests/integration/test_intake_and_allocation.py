"""Intake, allocation, backorders and cancellation against a real database (both kinds)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from order_builders import drain, order, pack_order
from sqlalchemy import Engine, insert, select, update
from sqlalchemy.exc import IntegrityError

from doorstep.adapters.db.tables import order_events, orders, outbox, stock, stock_moves
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import InsufficientStock, InvalidTransition
from doorstep.services import order_flow, stock_ledger
from doorstep.services.events import utcnow
from doorstep.services.intake import DuplicateOrder, IdempotencyConflict, accept_order
from doorstep.services.order_views import order_view
from doorstep.services.outbox import process_batch


def status(engine: Engine, order_id: str) -> str:
    with engine.connect() as conn:
        return str(order_view(conn, order_id)["status"])


def free_pens(engine: Engine) -> int:
    with engine.connect() as conn:
        rows = conn.execute(select(stock).where(stock.c.sku == "PEN")).all()
    return sum(r.on_hand - r.reserved for r in rows)


def test_the_same_key_and_body_replays_the_original_order(stocked: Engine) -> None:
    """A retry with the same key and body returns the first response, storing nothing new."""
    first = accept_order(stocked, order("A1", ("PEN", 1)), "key-1")
    again = accept_order(stocked, order("A1", ("PEN", 1)), "key-1")
    assert again.replayed and not first.replayed
    assert again.response == first.response
    with stocked.connect() as conn:
        assert conn.execute(select(orders.c.id)).all() == [(first.order_id,)]


def test_the_same_key_with_another_body_is_a_conflict(stocked: Engine) -> None:
    """Reusing a key for a different order is refused, naming the original order."""
    first = accept_order(stocked, order("A1", ("PEN", 1)), "key-1")
    with pytest.raises(IdempotencyConflict) as err:
        accept_order(stocked, order("A1", ("PEN", 2)), "key-1")
    assert err.value.order_id == first.order_id


def test_a_channel_order_number_cannot_be_accepted_twice_under_new_keys(stocked: Engine) -> None:
    """A shop retrying with a fresh key still cannot create a twin of an accepted order."""
    first = accept_order(stocked, order("A1", ("PEN", 1)), "key-1")
    with pytest.raises(DuplicateOrder) as err:
        accept_order(stocked, order("A1", ("PEN", 1)), "key-2")
    assert err.value.order_id == first.order_id


def test_accepting_writes_order_event_and_outbox_in_one_commit(stocked: Engine) -> None:
    """An accepted order has its received event and one order.accepted message."""
    result = accept_order(stocked, order("A1", ("PEN", 1)), "key-1")
    with stocked.connect() as conn:
        events = conn.execute(select(order_events.c.type)
                              .where(order_events.c.order_id == result.order_id)).all()
        messages = conn.execute(select(outbox.c.topic, outbox.c.key)).all()
    assert events == [("received",)]
    assert ("order.accepted", result.order_id) in messages


def test_allocation_is_first_come_first_served(stocked: Engine) -> None:
    """With 8 pens, the earlier order of 6 is served in full and the later one waits."""
    early = accept_order(stocked, order("E", ("PEN", 6)), "k-early").order_id
    late = accept_order(stocked, order("L", ("PEN", 6)), "k-late").order_id
    drain(stocked)
    assert status(stocked, early) == "allocated"
    assert status(stocked, late) == "backordered"
    with stocked.connect() as conn:
        line = order_view(conn, late)["lines"][0]
    assert line["allocated"] == 2  # partial allocation keeps what it could get
    assert free_pens(stocked) == 0


def test_backordered_lines_allocate_when_stock_arrives(stocked: Engine) -> None:
    """A goods receipt lets the waiting order reserve the rest by itself."""
    accept_order(stocked, order("E", ("PEN", 8)), "k-early")
    late = accept_order(stocked, order("L", ("PEN", 4)), "k-late").order_id
    drain(stocked)
    assert status(stocked, late) == "backordered"
    with transaction(stocked, write=True) as conn:
        stock_ledger.receive(conn, sku="PEN", location="P-01-001-1-1", quantity=4,
                             reason="PO 17", actor="goods-receipt")
    drain(stocked)
    assert status(stocked, late) == "allocated"


def test_cancelling_releases_reservations_to_waiting_orders(stocked: Engine) -> None:
    """Cancelled stock goes back to free and then to the oldest backorder."""
    first = accept_order(stocked, order("E", ("PEN", 8)), "k-early").order_id
    waiting = accept_order(stocked, order("L", ("PEN", 3)), "k-late").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        order_flow.cancel(conn, first, actor="customer", reason="changed mind")
    drain(stocked)
    assert status(stocked, first) == "cancelled"
    assert status(stocked, waiting) == "allocated"
    assert free_pens(stocked) == 5
    with stocked.connect() as conn:
        kinds = {r.kind for r in conn.execute(select(stock_moves.c.kind)).all()}
    assert {"receipt", "reservation", "release"} <= kinds


def test_a_shipped_order_cannot_be_cancelled(stocked: Engine) -> None:
    """Cancellation ends at handover: the machine refuses it with a typed error."""
    oid = accept_order(stocked, order("S", ("MUG", 2)), "k-s").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        order_flow.release(conn, oid, actor="t")
        order_flow.start_picking(conn, oid, actor="t")
        order_flow.pick_all(conn, oid, actor="t")
        order_flow.pack(conn, oid, actor="t")
        order_flow.ship(conn, oid, actor="t", carrier="dhl", tracking_number="J1")
    with pytest.raises(InvalidTransition), transaction(stocked, write=True) as conn:
        order_flow.cancel(conn, oid, actor="t", reason="late")
    assert status(stocked, oid) == "shipped"


def test_a_partial_shipment_leaves_the_rest_to_follow(stocked: Engine) -> None:
    """Shipping one of two units makes the order partially shipped, then shipped."""
    oid = accept_order(stocked, order("P", ("MUG", 2)), "k-p").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        pack_order(conn, oid)
        assert order_flow.ship(conn, oid, actor="t", carrier="dpd", tracking_number="1",
                               quantities={1: 1}).value == "partially_shipped"
        assert order_flow.ship(conn, oid, actor="t", carrier="dpd",
                               tracking_number="2").value == "shipped"


def test_adjustments_cannot_take_stock_below_what_is_reserved(stocked: Engine) -> None:
    """Counting 6 pens missing when 5 are reserved is refused; the ledger stays intact."""
    accept_order(stocked, order("R", ("PEN", 5)), "k-r")
    drain(stocked)
    with pytest.raises(InsufficientStock), transaction(stocked, write=True) as conn:
        stock_ledger.adjust(conn, sku="PEN", location="P-01-001-1-1", delta=-6,
                            reason="count", actor="t")
    assert free_pens(stocked) == 3


def test_the_database_itself_refuses_negative_or_over_reserved_stock(stocked: Engine) -> None:
    """CHECK constraints stand behind the code: reserved > on-hand cannot be written."""
    with pytest.raises(IntegrityError), transaction(stocked, write=True) as conn:
        conn.execute(update(stock).where(stock.c.sku == "MUG").values(reserved=99))
    with pytest.raises(IntegrityError), transaction(stocked, write=True) as conn:
        conn.execute(update(stock).where(stock.c.sku == "MUG").values(on_hand=-1))


def test_a_failing_message_is_retried_later_and_does_not_block_others(stocked: Engine) -> None:
    """An unknown topic records its error and backs off while good messages are handled."""
    drain(stocked)  # the fixture's goods receipts
    with transaction(stocked, write=True) as conn:
        now = utcnow()
        conn.execute(insert(outbox).values(
            topic="nobody.listens", key="x", payload={}, created_at=now, available_at=now))
    accept_order(stocked, order("G", ("PEN", 1)), "k-g")
    result = process_batch(stocked)
    assert (result.handled, result.failed) == (1, 1)
    with stocked.connect() as conn:
        bad = conn.execute(select(outbox).where(outbox.c.topic == "nobody.listens")).one()
    assert bad.processed_at is None and bad.attempts == 1
    assert "no handler" in (bad.last_error or "")


def test_handling_a_message_twice_has_one_effect(stocked: Engine) -> None:
    """Re-delivering an already handled message (at-least-once) changes nothing."""
    oid = accept_order(stocked, order("T", ("PEN", 2)), "k-t").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        conn.execute(update(outbox).values(processed_at=None))  # as if the mark were lost
    drain(stocked)
    with stocked.connect() as conn:
        view = order_view(conn, oid)
    assert [e["type"] for e in view["timeline"]] == ["received", "allocated"]
    assert free_pens(stocked) == 6


def test_money_keeps_its_decimals(stocked: Engine) -> None:
    """Prices round-trip as exact decimals, not floats."""
    oid = accept_order(stocked, order("M", ("PEN", 1)), "k-m").order_id
    with stocked.connect() as conn:
        assert Decimal(order_view(conn, oid)["lines"][0]["unit_price"]) == Decimal("2.50")


def test_cancelling_after_picking_puts_the_units_back_where_they_came_from(
        stocked: Engine) -> None:
    """Two mugs picked, then cancelled: on-hand returns to 2 at their location, ledger says why."""
    oid = accept_order(stocked, order("X", ("MUG", 2)), "k-x").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all):
            step(conn, oid, actor="t")
    with transaction(stocked, write=True) as conn:
        order_flow.cancel(conn, oid, actor="customer", reason="changed mind")
    with stocked.connect() as conn:
        mug = conn.execute(select(stock).where(stock.c.sku == "MUG")).one()
        reasons = [m.reason for m in conn.execute(
            select(stock_moves).where(stock_moves.c.sku == "MUG", stock_moves.c.kind == "receipt"))]
    assert (mug.location, mug.on_hand, mug.reserved) == ("P-02-004-1-1", 2, 0)
    assert any("put back" in r for r in reasons)
