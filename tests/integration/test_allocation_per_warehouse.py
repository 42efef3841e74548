"""Allocation per warehouse: an order ships from one warehouse, the one that fills most."""

from __future__ import annotations

from order_builders import drain, order
from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import reservations, stock
from doorstep.adapters.db.uow import transaction
from doorstep.services import catalogue, stock_ledger
from doorstep.services.intake import accept_order
from doorstep.services.order_views import order_view


def add_hamburg(engine: Engine, *, pens: int, mugs: int) -> None:
    """A second warehouse HAM with one location holding pens and mugs."""
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "HAM", "Hamburg", "Europe/Berlin")
        catalogue.add_locations(conn, "HAM", ["H-01-001-1-1"])
        for sku, qty in (("PEN", pens), ("MUG", mugs)):
            if qty:
                stock_ledger.receive(conn, sku=sku, location="H-01-001-1-1", quantity=qty,
                                     reason="opening", actor="test")


def warehouses_reserved(engine: Engine, order_id: str) -> set[str]:
    with engine.connect() as conn:
        return set(conn.execute(
            select(stock.c.warehouse).join(reservations, (reservations.c.location ==
                                                          stock.c.location)
                                           & (reservations.c.sku == stock.c.sku))
            .where(reservations.c.order_id == order_id)).scalars())


def test_an_order_is_served_whole_from_the_warehouse_that_can_fill_it(stocked: Engine) -> None:
    """Berlin has 2 mugs, Hamburg 5: an order of 4 mugs is reserved in Hamburg only."""
    add_hamburg(stocked, pens=0, mugs=5)
    oid = accept_order(stocked, order("W1", ("MUG", 4)), "w1").order_id
    drain(stocked)
    with stocked.connect() as conn:
        view = order_view(conn, oid)
    assert (view["status"], view["warehouse"]) == ("allocated", "HAM")
    assert warehouses_reserved(stocked, oid) == {"HAM"}


def test_a_short_order_waits_in_one_warehouse_instead_of_mixing_two(stocked: Engine) -> None:
    """Berlin has 8 pens and 2 mugs, Hamburg 3 mugs: 8 pens + 3 mugs reserves only in Berlin
    (it fills 10 of 11 units there) and backorders the missing mug, never splitting."""
    add_hamburg(stocked, pens=0, mugs=3)
    oid = accept_order(stocked, order("W2", ("PEN", 8), ("MUG", 3)), "w2").order_id
    drain(stocked)
    with stocked.connect() as conn:
        view = order_view(conn, oid)
    assert (view["status"], view["warehouse"]) == ("backordered", "BER")
    assert warehouses_reserved(stocked, oid) == {"BER"}
    assert [line["allocated"] for line in view["lines"]] == [8, 2]
