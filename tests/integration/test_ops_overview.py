"""GET /v1/ops/overview: every figure the overview shows, from a small known order book."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from order_builders import api_client, drain, order, ship_new_order
from sqlalchemy import Engine, update

from doorstep.adapters.db.tables import orders, shipments
from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.services.events import record_event
from doorstep.services.intake import accept_order


def deliver(engine: Engine, order_id: str, *, shipped: datetime, delivered: datetime,
            promised_latest: str) -> None:
    with engine.begin() as conn:
        conn.execute(update(shipments).where(shipments.c.order_id == order_id)
                     .values(shipped_at=shipped))
        conn.execute(update(orders).where(orders.c.id == order_id).values(status="delivered"))
        record_event(conn, order_id, "promise", actor="promise-engine", at=shipped,
                     data={"revision": 0, "latest_date": promised_latest})
        record_event(conn, order_id, "delivered", actor="t", at=delivered)


def test_the_overview_shows_statuses_backlog_promises_lanes_and_quarantine(
        stocked: Engine) -> None:
    """Two delivered (one on time, one a day late), three waiting in the warehouse, one
    quarantined shop record."""
    now = datetime.now(UTC)
    on_time = ship_new_order(stocked, "O-1", ("PEN", 1), carrier="dhl",
                             tracking_number="100000000001")
    late = ship_new_order(stocked, "O-2", ("PEN", 1), carrier="dhl",
                          tracking_number="100000000002")
    deliver(stocked, on_time, shipped=now - timedelta(days=3), delivered=now - timedelta(days=1),
            promised_latest=(now + timedelta(days=1)).date().isoformat())
    deliver(stocked, late, shipped=now - timedelta(days=4), delivered=now - timedelta(hours=1),
            promised_latest=(now - timedelta(days=2)).date().isoformat())
    for n in range(3):
        accept_order(stocked, order(f"W-{n}", ("MUG", 1)), f"k-w-{n}")
    drain(stocked)
    QuarantineStore(stocked).hold(
        "shopify", "order", "#1001", [Reason(ReasonCode.missing_field, "email", "no e-mail")],
        "{}")
    with api_client(stocked) as client:
        body = client.get("/v1/ops/overview").json()
    assert body["orders_by_status"]["delivered"] == 2
    assert sum(body["orders_by_status"].values()) == 5
    assert body["intake"]["last_24h"] == 5
    backlog = body["backlog"]
    assert backlog["open"] == 3
    assert backlog["carriers"][0]["carrier"] == "dhl" and backlog["carriers"][0]["open"] == 3
    assert 0 <= backlog["carriers"][0]["miss_today"] <= 3
    assert 0.0 <= backlog["queue_clears"]["today"] <= backlog["queue_clears"]["by_tomorrow"]
    health = body["promise_health"]["windows"]
    assert health["7d"] == {"delivered": 2, "kept": 1, "ratio": 0.5}
    assert body["promise_health"]["objective"] == 0.95
    lane = body["lanes"]["items"][0]
    assert lane["lane"] == "dhl:default → DE"
    assert lane["this_week"]["n"] == 2 and lane["this_week"]["median"] == 2.98
    assert body["quarantine"] == {"held": 1, "by_source": {"shopify": 1},
                                  "by_reason": {"missing_field": 1}}
    assert body["outbox"]["pending"] == 0


def test_a_long_backlog_misses_the_cutoff_by_the_queue_model(stocked: Engine) -> None:
    """With a default capacity of 200 a day and 0 hours left, every open order misses today;
    the queue model gives less than an even chance to clear today."""
    for n in range(4):
        accept_order(stocked, order(f"Q-{n}", ("PEN", 1)), f"k-q-{n}")
    from doorstep.services.overview import OverviewService
    from doorstep.settings import Settings

    late_evening = datetime.now(UTC).replace(hour=22, minute=30)
    service = OverviewService(stocked, Settings(database_url=str(stocked.url)))
    backlog = service.overview(None, now=late_evening)["backlog"]
    assert backlog["capacity"]["source"].startswith("default")
    assert backlog["carriers"][0]["hours_left"] == 0
    assert backlog["carriers"][0]["miss_today"] == 4
    assert backlog["carriers"][0]["miss_tomorrow"] == 0
