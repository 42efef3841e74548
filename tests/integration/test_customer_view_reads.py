"""The page's one-statement read gives the view the tables hold, and the validator agrees."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from doorstep.adapters.db.tables import order_events, order_lines, orders, shipments
from doorstep.adapters.db.uow import transaction
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.domain.errors import NotFound
from doorstep.services.customer_view import CustomerView, build_view
from doorstep.services.customer_view_reads import (
    read_view,
    read_view_by_token,
    validator_by_token,
    view_version,
)
from doorstep.services.tracking_links import revoke


def _view_table_by_table(engine: Engine, order_id: str) -> CustomerView:
    """The view from each table read on its own with SQLAlchemy (the obvious way)."""
    with engine.connect() as conn:
        order = conn.execute(select(orders).where(orders.c.id == order_id)).one()
        lines = conn.execute(select(order_lines).where(order_lines.c.order_id == order_id)
                             .order_by(order_lines.c.line_no)).all()
        parcels = conn.execute(select(shipments).where(shipments.c.order_id == order_id)
                               .order_by(shipments.c.id)).all()
        events = conn.execute(select(order_events).where(order_events.c.order_id == order_id)
                              .order_by(order_events.c.at, order_events.c.id)).all()
    return build_view(order, list(lines), list(parcels), list(events))


def test_the_joined_read_gives_the_same_view_as_reading_each_table(shop: Engine) -> None:
    for n, scenario in enumerate(scenarios.SCENARIOS):
        order_id, token = scenarios.build(shop, scenario, f"30{n:02d}")
        with shop.connect() as conn:
            found = read_view_by_token(conn, token)
            by_id = read_view(conn, order_id)
        assert found is not None
        assert found[0] == order_id
        expected = _view_table_by_table(shop, order_id)
        assert found[1] == expected == by_id, scenario
        assert found[1].checkpoints and found[1].version > 0


def test_the_cheap_validator_is_the_one_the_view_read_returns(shop: Engine) -> None:
    for n, scenario in enumerate(scenarios.SCENARIOS):
        order_id, token = scenarios.build(shop, scenario, f"31{n:02d}")
        with shop.connect() as conn:
            found = read_view_by_token(conn, token)
            validator = validator_by_token(conn, token)
            newest = view_version(conn, order_id)
        assert found is not None and validator is not None
        assert validator == found[2], scenario
        assert validator.newest_entry == newest == found[1].version
        assert validator.parcels == len(found[1].parcels)


def test_unknown_revoked_and_malformed_tokens_read_nothing(shop: Engine) -> None:
    order_id, token = scenarios.build(shop, "normal", "3201")
    with transaction(shop, write=True) as conn:
        revoke(conn, order_id)
    with shop.connect() as conn:
        for bad in (token, "x" * 43, "short", "y" * 200):
            assert read_view_by_token(conn, bad) is None
            assert validator_by_token(conn, bad) is None
        with pytest.raises(NotFound):
            read_view(conn, "ord_unknown")
