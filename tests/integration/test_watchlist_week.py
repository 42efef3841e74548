"""A scripted week of scans: the watchlist day by day, handled marks, and the HTTP routes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from order_builders import api_client, order, ship_new_order
from sqlalchemy import Engine, insert, select, update

from doorstep.adapters.db.tables import order_events, orders, shipments, tracking_events
from doorstep.adapters.db.uow import transaction
from doorstep.domain.lead_time_sla import SlaError
from doorstep.services.intake import accept_order
from doorstep.services.watchlist import WatchlistService

BERLIN = ZoneInfo("Europe/Berlin")


def at(day: int, hour: int) -> datetime:
    """Monday 23 November 2026 is day 0; hours are Berlin wall-clock."""
    return datetime(2026, 11, 23 + day, hour, tzinfo=BERLIN)


def scan(engine: Engine, order_id: str, number: str, status: str, when: datetime,
         reason: str | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(insert(tracking_events).values(
            dedup_key=f"{number}|{status}|{when.isoformat()}", dedup_base=f"{number}|{status}",
            carrier="dhl", source="dhl-webhook", tracking_number=number, status=status,
            exception_reason=reason, occurred_at=when, raw_code=status.upper()[:8],
            raw_text=None, location={}, order_id=order_id, received_at=when))


def hand_over(engine: Engine, name: str, number: str, when: datetime) -> str:
    order_id = ship_new_order(engine, name, ("PEN", 1), carrier="dhl", tracking_number=number)
    with engine.begin() as conn:
        conn.execute(update(shipments).where(shipments.c.order_id == order_id)
                     .values(shipped_at=when))
        conn.execute(update(orders).where(orders.c.id == order_id)
                     .values(accepted_at=when - timedelta(hours=2)))
    return order_id


def listed(service: WatchlistService, engine: Engine, now: datetime) -> set[tuple[str, str]]:
    with engine.connect() as conn:
        rows = service.rows(conn, model=None, now=now)["items"]
    return {(r["order_id"], r["category"]) for r in rows}


def test_a_week_of_scans_moves_parcels_on_and_off_the_watchlist(stocked: Engine) -> None:
    """Defaults (no model, too little history): first scan 24 h, gap 48 h, transit 3 days."""
    fine = hand_over(stocked, "A", "100000000001", at(0, 10))
    silent = hand_over(stocked, "B", "100000000002", at(0, 10))
    stalled = hand_over(stocked, "C", "100000000003", at(0, 10))
    failed = hand_over(stocked, "D", "100000000004", at(0, 10))
    typo = hand_over(stocked, "E", "12", at(0, 10))
    exception = hand_over(stocked, "F", "100000000006", at(0, 10))
    waiting = accept_order(stocked, order("G", ("PEN", 1)), "k-G").order_id
    with stocked.begin() as conn:
        conn.execute(update(orders).where(orders.c.id == waiting).values(accepted_at=at(0, 9)))
    for order_id, number in ((fine, "100000000001"), (stalled, "100000000003"),
                             (failed, "100000000004"), (exception, "100000000006")):
        scan(stocked, order_id, number, "picked_up", at(0, 18))
    scan(stocked, fine, "100000000001", "in_transit", at(1, 4))
    scan(stocked, fine, "100000000001", "delivered", at(1, 14))
    scan(stocked, stalled, "100000000003", "in_transit", at(1, 3))
    scan(stocked, exception, "100000000006", "exception", at(1, 9), reason="address")
    scan(stocked, failed, "100000000004", "delivery_attempt_failed", at(2, 11),
         reason="recipient_absent")
    scan(stocked, failed, "100000000004", "delivered", at(3, 10))
    service = WatchlistService(stocked)

    assert listed(service, stocked, at(0, 11)) == {(typo, "invalid_tracking")}
    tuesday = listed(service, stocked, at(1, 19))
    assert tuesday == {(typo, "invalid_tracking"), (typo, "forgotten"),
                       (silent, "forgotten"), (waiting, "delayed_dispatch")}
    wednesday = listed(service, stocked, at(2, 12))
    assert (failed, "failed_attempt") in wednesday
    assert (exception, "exception") not in wednesday  # Wednesday is its next working day
    thursday = listed(service, stocked, at(3, 12))
    assert (failed, "failed_attempt") not in thursday  # delivered Thursday morning
    assert {(exception, "exception"), (stalled, "delayed")} <= thursday
    friday = listed(service, stocked, at(4, 1))
    assert {(silent, "lead_time_exceeded"), (stalled, "lead_time_exceeded")} <= friday
    assert not any(order_id in (fine, failed) for order_id, _ in friday)


def test_a_handled_problem_leaves_the_list_and_is_on_the_timeline(stocked: Engine) -> None:
    """Marked handled with a note: hidden, shown with include_handled, audited; a later
    problem on the same parcel (a new silence after a new scan) shows again."""
    silent = hand_over(stocked, "H", "100000000010", at(0, 10))
    service = WatchlistService(stocked)
    flag_id = f"forgotten~{silent}~100000000010"
    with transaction(stocked, write=True) as conn:
        mark = service.mark_handled(conn, flag_id, model=None, actor="user:olga",
                                    note="called DHL, parcel found at depot", now=at(1, 12))
    assert mark["handled_by"] == "user:olga"
    assert listed(service, stocked, at(1, 13)) == set()
    with stocked.connect() as conn:
        shown = service.rows(conn, model=None, now=at(1, 13), include_handled=True)["items"]
        audit = conn.execute(select(order_events.c.actor, order_events.c.data).where(
            order_events.c.order_id == silent,
            order_events.c.type == "watchlist.handled")).one()
    assert shown[0]["handled"]["note"] == "called DHL, parcel found at depot"
    assert audit.actor == "user:olga" and audit.data["category"] == "forgotten"
    scan(stocked, silent, "100000000010", "in_transit", at(1, 14))
    assert (silent, "delayed") in listed(service, stocked, at(3, 15))


def test_the_watchlist_over_http(stocked: Engine) -> None:
    """GET lists a fresh invalid number; POST handled with a note hides it; unknown → 404;
    notify hands the order to the customer notifications and says so on its timeline."""
    now = datetime.now(BERLIN)
    typo = hand_over(stocked, "I", "XX", now - timedelta(minutes=5))
    with api_client(stocked) as client:
        body = client.get("/v1/watchlist").json()
        assert body["counts"]["invalid_tracking"] == 1
        row = body["items"][0]
        assert (row["order_id"], row["category"]) == (typo, "invalid_tracking")
        assert row["usual_source"] == "default" and row["why"]
        assert client.get("/v1/watchlist", params={"category": "nope"}).status_code == 422
        notify = client.post(f"/v1/watchlist/{row['id']}/notify")
        assert notify.status_code == 200, notify.text
        assert notify.json()["order_id"] == typo
        empty = client.post(f"/v1/watchlist/{row['id']}/handled", json={"note": ""})
        assert empty.status_code == 422
        done = client.post(f"/v1/watchlist/{row['id']}/handled", json={"note": "relabelled"})
        assert done.status_code == 200, done.text
        assert client.get("/v1/watchlist").json()["total"] == 0
        assert client.post("/v1/watchlist/forgotten~nope~x/handled",
                           json={"note": "x"}).status_code == 404
    with stocked.connect() as conn:
        requested = conn.execute(select(order_events.c.data).where(
            order_events.c.order_id == typo,
            order_events.c.type == "notification.requested")).scalar_one()
    assert requested["category"] == "invalid_tracking"


def test_lead_time_is_checked_against_the_merchants_sla_over_http(stocked: Engine,
                                                                   tmp_path: Path) -> None:
    """An SLA file (setting lead_time_sla_path) gives DHL one delivery day within Germany:
    a parcel handed over three days ago and still moving is late against it — the defaults
    (three days of usual transit) would not list it yet — and the row names the SLA."""
    sla = tmp_path / "sla.toml"
    sla.write_text("[dhl]\nDE = 1\nAT = 4\n", encoding="utf-8")
    now = datetime.now(BERLIN)
    moving = hand_over(stocked, "SLA", "100000000020", now - timedelta(days=3))
    scan(stocked, moving, "100000000020", "in_transit", now - timedelta(hours=2))
    with api_client(stocked) as client:  # no SLA configured: within the usual transit
        late = client.get("/v1/watchlist", params={"category": "lead_time_exceeded"}).json()
        assert late["items"] == []
    with api_client(stocked, lead_time_sla_path=str(sla)) as client:
        late = client.get("/v1/watchlist", params={"category": "lead_time_exceeded"}).json()
    (row,) = late["items"]
    assert row["order_id"] == moving
    assert row["reason"] == {"code": "late_sla", "facts": {
        "carrier": "dhl", "country": "DE", "days": 1, "late": row["reason"]["facts"]["late"]}}
    assert "SLA for dhl to DE: 1 delivery day(s)" in row["why"]


def test_a_broken_sla_file_stops_the_app_with_the_entry_named(stocked: Engine,
                                                              tmp_path: Path) -> None:
    sla = tmp_path / "sla.toml"
    sla.write_text("[dhl]\nDE = 0\n", encoding="utf-8")
    with pytest.raises(SlaError, match=r"SLA dhl\.DE"), api_client(
            stocked, lead_time_sla_path=str(sla)):
        pass
