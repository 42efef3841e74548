"""A scenario learns the shop's own intake curve and packing time from the order book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_builders import order

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import make_engine
from doorstep.services.events import record_event
from doorstep.services.intake import accept_order
from doorstep.simulation.orderbook import learn_from_database
from doorstep.simulation.scenario import parse_scenario

SCENARIO = {"scenario": {"start": "2024-11-05", "days": 2},
            "intake": {"orders_per_day": 999, "from_database": True},
            "rates": {"pack_s_per_order": 500, "pick_s_per_line": 77},
            "shifts": [{"days": "Mon-Fri", "start": "06:00", "end": "14:00", "pack": 1}]}


def test_the_curve_the_daily_volume_and_the_pack_time_come_from_the_book(
        migrated_sqlite_url: str) -> None:
    """Two weeks of 10 orders a day, all at 09:xx Berlin time, a third of them on Mondays;
    one packer packs an order every 80 s.  Too few pick confirmations keep the configured
    pick rate, and the summary says so."""
    engine = make_engine(migrated_sqlite_url)
    first = datetime(2024, 11, 4, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Berlin (CET)
    ids = []
    for day in range(14):
        for n in range(10 if day % 7 else 30):
            at = first + timedelta(days=day, minutes=n)
            result = accept_order(engine, order(f"B-{day}-{n}", ("MUG", 1)).model_copy(
                update={"placed_at": at}), f"k-{day}-{n}", now=at)
            ids.append((result.order_id, at))
    with transaction(engine, write=True) as conn:
        for i, (order_id, _placed) in enumerate(ids[:60]):
            record_event(conn, order_id, "packed", actor="packer-1",
                         at=first + timedelta(hours=3, seconds=80 * i))
    learned, said = learn_from_database(parse_scenario(SCENARIO), migrated_sqlite_url)
    engine.dispose()
    intake = learned.intake
    assert intake.orders_per_day == len(ids) / 14
    assert intake.hourly.index(max(intake.hourly)) == 9  # local hour, not UTC
    assert intake.weekday[0] == 2 * 30 and intake.weekday[1] == 2 * 10
    assert learned.rates.pack_s_per_order == 80
    assert learned.rates.pick_s_per_line == 77
    assert "80 s per pack (59 packs)" in said and "pick: 0 confirmations" in said
