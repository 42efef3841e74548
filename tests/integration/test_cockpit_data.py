"""The benchmark's order book loads on both databases and is what the cockpit expects."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from doorstep.adapters.db.tables import orders, shipments
from doorstep.devtools.cockpit_data import load
from doorstep.services.order_search import OrderQuery, search_orders
from doorstep.services.overview import OverviewService
from doorstep.services.watchlist import WatchlistService
from doorstep.settings import Settings


def test_a_generated_book_is_searchable_watched_and_summarised(engine: Engine) -> None:
    """3,000 orders over 30 days: every sampled e-mail and tracking number finds its order,
    the watchlist finds trouble, the overview counts every order."""
    now = datetime.now(UTC)
    sample = load(engine, 3000, now=now, seed=3)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar() == 3000
        assert (conn.execute(select(func.count()).select_from(shipments)).scalar() or 0) > 2500
        for email in sample["emails"][:5]:
            assert search_orders(conn, OrderQuery(email=email))["items"]
        for number in sample["tracking_numbers"][:5]:
            assert search_orders(conn, OrderQuery(tracking=number))["items"]
        listed = WatchlistService(engine).rows(conn, model=None, now=now)
    assert listed["counts"]["forgotten"] > 0 and listed["counts"]["lead_time_exceeded"] > 0
    overview = OverviewService(engine, Settings(database_url=str(engine.url))).overview(
        None, now=now)
    assert sum(overview["orders_by_status"].values()) == 3000
    assert overview["backlog"]["open"] > 0
    assert overview["lanes"]["items"] and overview["promise_health"]["windows"]["28d"]["delivered"]
