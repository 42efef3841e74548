"""``insert_many`` stores exactly what per-row inserts would, on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import StatementError

from doorstep.adapters.db.bulk_insert import insert_many
from doorstep.adapters.db.tables import order_events, order_lines, orders
from doorstep.adapters.db.uow import transaction

BERLIN = timezone(timedelta(hours=1))
PLACED = datetime(2026, 11, 23, 10, 15, 0, 123456, tzinfo=BERLIN)


def an_order(order_id: str, **changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "id": order_id, "external_id": f"ext-{order_id}", "channel": "bulk",
        "status": "received", "warehouse": None, "currency": "EUR",
        "shipping_price": Decimal("4.9000"), "priority": 3, "carrier_service": None,
        "customer": {"name": "Zoë Ünal", "tags": ["vip", 1, None]},
        "shipping_address": {"line1": 'Straße "am" Ufer\\2', "country": "DE"},
        "placed_at": PLACED, "accepted_at": PLACED, "updated_at": PLACED,
        "content_hash": "0" * 64}
    row.update(changes)
    return row


def test_rows_of_several_tables_read_back_as_written(engine: Engine) -> None:
    """Timestamps come back as the same instant in UTC, money exactly, JSON as nested values,
    NULLs as None, and serial ids and column defaults are filled in."""
    with transaction(engine, write=True) as conn:
        insert_many(conn, [
            (orders, [an_order("o1"), an_order("o2", placed_at=None, priority=0)]),
            (order_lines, [{"order_id": "o1", "line_no": 1, "sku": "PEN", "name": None,
                            "quantity": 2, "unit_price": Decimal("0.0001")}]),
            (order_events, []),
        ])
    with engine.connect() as conn:
        stored = {r.id: r for r in conn.execute(select(orders))}
        line = conn.execute(select(order_lines)).one()
        events = conn.execute(select(order_events)).all()
    o1 = stored["o1"]
    assert o1.placed_at == PLACED and o1.placed_at.utcoffset() == timedelta(0)
    assert o1.shipping_price == Decimal("4.9000")
    assert o1.customer == {"name": "Zoë Ünal", "tags": ["vip", 1, None]}
    assert o1.shipping_address == {"line1": 'Straße "am" Ufer\\2', "country": "DE"}
    assert (o1.warehouse, o1.priority) == (None, 3)
    assert (stored["o2"].placed_at, stored["o2"].priority) == (None, 0)
    assert line.id is not None and line.unit_price == Decimal("0.0001")
    assert (line.name, line.allocated, line.picked, line.shipped) == (None, 0, 0, 0)
    assert events == []


def test_a_naive_timestamp_is_refused_as_the_column_type_would(engine: Engine) -> None:
    """A UTC column never guesses the zone of a timestamp without one."""
    refused = pytest.raises((ValueError, StatementError), match="naive")
    with refused, transaction(engine, write=True) as conn:
        insert_many(conn, [(orders, [an_order("o3", placed_at=datetime(2026, 1, 1))])])
