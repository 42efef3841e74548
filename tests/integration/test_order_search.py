"""Order search, wave list and parcel tracking over HTTP, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from order_builders import api_client, drain, order, ship_new_order
from sqlalchemy import Engine, insert, text, update

from doorstep.adapters.db.tables import orders, tracking_events
from doorstep.domain.errors import InvalidValue
from doorstep.entrypoints.api.access import Principal, Role
from doorstep.entrypoints.api.routers.search import channel_scope
from doorstep.services.intake import accept_order
from doorstep.services.order_search import OrderQuery, search_orders
from doorstep.services.sites import DEMO_LAYOUT


def place(engine: Engine, external_id: str, *, email: str | None = None,
          channel: str = "api") -> str:
    body = order(external_id, ("PEN", 1)).model_copy(update={"channel": channel})
    body.customer.email = email
    return accept_order(engine, body, f"k-{external_id}").order_id


def test_search_finds_an_order_by_each_handle(stocked: Engine) -> None:
    """Number, shop number, e-mail in any case, tracking number and status each find it."""
    shipped = ship_new_order(stocked, "S-1", ("PEN", 1), carrier="dhl",
                             tracking_number="00340434161234567890")
    other = place(stocked, "S-2", email="Grace@Example.org")
    with api_client(stocked) as client:
        def ids(**params: str) -> list[str]:
            r = client.get("/v1/orders", params=params)
            assert r.status_code == 200, r.text
            return [item["id"] for item in r.json()["items"]]

        assert ids(number=shipped) == [shipped]
        assert ids(external_id="S-2") == [other]
        assert ids(email="grace@EXAMPLE.org") == [other]
        assert ids(tracking="0034 0434 1612 3456 7890") == [shipped]
        assert ids(status="shipped") == [shipped]
        assert ids(status="received,shipped") == [other, shipped]
        assert ids(email="nobody@example.org") == []
        hit = client.get("/v1/orders", params={"number": shipped}).json()["items"][0]
    assert hit["tracking_numbers"] == ["00340434161234567890"]
    assert hit["external_id"] == "S-1"


def test_cursor_pages_walk_every_order_once_newest_first(stocked: Engine) -> None:
    """Pages of two over five orders: 2 + 2 + 1, no repeats, newest first, then no cursor."""
    placed = [place(stocked, f"P-{i}") for i in range(5)]
    base = datetime(2026, 11, 2, 9, tzinfo=UTC)
    with stocked.begin() as conn:  # distinct, known acceptance times (two share one)
        for i, order_id in enumerate(placed):
            at = base + timedelta(minutes=min(i, 3))
            conn.execute(update(orders).where(orders.c.id == order_id).values(accepted_at=at))
    seen: list[str] = []
    cursor = None
    with api_client(stocked) as client:
        for expected in (2, 2, 1):
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = client.get("/v1/orders", params=params).json()
            assert len(page["items"]) == expected
            seen += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
        assert cursor is None
        window = client.get("/v1/orders", params={
            "from": (base + timedelta(minutes=1)).isoformat(),
            "to": (base + timedelta(minutes=3)).isoformat()}).json()["items"]
    assert sorted(seen) == sorted(placed) and len(set(seen)) == 5
    assert seen[:2] == sorted(placed[3:], reverse=True)  # same time: larger id first
    assert [item["id"] for item in window] == [placed[2], placed[1]]


def test_bad_parameters_are_422_naming_the_field(stocked: Engine) -> None:
    """A tampered cursor, an unknown status and a zone-less date each name their field."""
    with api_client(stocked) as client:
        for params, field in (({"cursor": "not-a-cursor"}, "cursor"),
                              ({"status": "lost"}, "status"),
                              ({"from": "2026-11-01T10:00:00"}, "from")):
            r = client.get("/v1/orders", params=params)
            assert r.status_code == 422, r.text
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["errors"][0]["field"] == field


def test_an_integration_key_sees_only_its_channel(stocked: Engine) -> None:
    """The channel scope overrides whatever channel the caller asks for."""
    mine = place(stocked, "C-1", channel="shop-a")
    place(stocked, "C-2", channel="shop-b")
    key = Principal(kind="key", id="1", name="a", role=Role.INTEGRATION, channel="shop-a")
    staff = Principal(kind="user", id="2", name="op", role=Role.OPERATOR)
    assert channel_scope(key) == "shop-a" and channel_scope(staff) is None
    with stocked.connect() as conn:
        asked_other = search_orders(conn, OrderQuery(channel="shop-b", only_channel="shop-a"))
        everything = search_orders(conn, OrderQuery(only_channel="shop-a"))
    assert asked_other["items"] == []
    assert [item["id"] for item in everything["items"]] == [mine]


def test_limits_outside_the_range_are_refused() -> None:
    with pytest.raises(InvalidValue, match="limit"):
        OrderQuery(limit=0)


def test_waves_are_listed_with_their_task_counts(stocked: Engine) -> None:
    """A released wave appears in the list with one order and its open tasks."""
    order_id = place(stocked, "W-1")
    drain(stocked)
    with api_client(stocked, layout_path=str(DEMO_LAYOUT)) as client:
        wave = client.post("/v1/waves", json={"max_orders": 5})
        assert wave.status_code == 201, wave.text
        listed = client.get("/v1/waves").json()
    assert [w["id"] for w in listed["items"]] == [wave.json()["id"]]
    assert listed["items"][0]["tasks"]["orders"] == 1
    assert listed["items"][0]["tasks"]["open"] >= 1
    assert order_id


def test_a_parcels_events_keep_the_carriers_raw_codes(stocked: Engine) -> None:
    order_id = ship_new_order(stocked, "T-1", ("PEN", 1), carrier="gls",
                              tracking_number="ZX1234")
    at = datetime(2026, 11, 3, 8, tzinfo=UTC)
    with stocked.begin() as conn:
        conn.execute(insert(tracking_events).values(
            dedup_key="k1", dedup_base="k1", carrier="gls", source="gls-webhook",
            tracking_number="ZX1234", status="in_transit", exception_reason=None,
            occurred_at=at, raw_code="INTRANSIT", raw_text="Im Paketzentrum",
            location={"city": "Neuenstein"}, order_id=order_id, received_at=at))
    with api_client(stocked) as client:
        body = client.get("/v1/tracking/zx-1234").json()
        missing = client.get("/v1/tracking/NOPE")
    assert body["order_id"] == order_id and body["carrier"] == "gls"
    assert [(e["status"], e["raw_code"], e["raw_text"]) for e in body["events"]] == [
        ("in_transit", "INTRANSIT", "Im Paketzentrum")]
    assert missing.status_code == 404


def test_the_email_search_uses_its_index_on_postgresql(stocked: Engine) -> None:
    """The planner probes ix_orders_email rather than reading the whole table."""
    if stocked.dialect.name != "postgresql":
        with stocked.connect() as conn:
            plan = " ".join(str(r) for r in conn.execute(text(
                "EXPLAIN QUERY PLAN SELECT id FROM orders WHERE "
                "lower(json_extract(customer, '$.email')) = 'a@b.c'")))
        assert "ix_orders_email" in plan
        return
    with stocked.connect() as conn:
        conn.execute(text("SET enable_seqscan = off"))
        plan = " ".join(r[0] for r in conn.execute(text(
            "EXPLAIN SELECT id FROM orders WHERE lower(customer ->> 'email') = 'a@b.c'")))
    assert "ix_orders_email" in plan


def test_over_http_an_integration_key_finds_only_its_channels_orders_and_parcels(
        stocked: Engine) -> None:
    """A real integration key for shop-a: asking for shop-b's channel, e-mail or parcel
    finds nothing (the parcel is a 404), its own order is found."""
    mine = place(stocked, "H-1", email="a@example.org", channel="shop-a")
    place(stocked, "H-2", email="b@example.org", channel="shop-b")
    theirs = ship_new_order(stocked, "H-3", ("PEN", 1), carrier="dhl",
                            tracking_number="100000000033")
    with api_client(stocked, role=Role.INTEGRATION, channel="shop-a") as client:
        own = client.get("/v1/orders").json()["items"]
        other = client.get("/v1/orders", params={"channel": "shop-b"}).json()["items"]
        by_mail = client.get("/v1/orders", params={"email": "b@example.org"}).json()["items"]
        parcel = client.get("/v1/tracking/100000000033")
    assert [o["id"] for o in own] == [mine]
    assert other == [] and by_mail == []
    assert parcel.status_code == 404 and theirs


def test_a_page_and_its_parcels_numbers_are_read_in_one_statement(stocked: Engine) -> None:
    """One round trip per search: the page of orders and each order's tracking numbers come
    from one statement, an order with two parcels listed once with both numbers."""
    from sqlalchemy import event

    from doorstep.adapters.db.tables import shipments
    from doorstep.adapters.db.uow import single_read

    two = ship_new_order(stocked, "T-1", ("PEN", 1), carrier="dhl",
                         tracking_number="100000000101")
    with stocked.begin() as conn:
        conn.execute(insert(shipments).values(order_id=two, carrier="dhl",
                                              tracking_number="100000000102",
                                              shipped_at=datetime.now(UTC), units={}))
    place(stocked, "T-2")
    statements: list[str] = []

    def count(*args: object) -> None:
        if not str(args[2]).startswith("BEGIN"):  # SQLite's explicit BEGIN is no query
            statements.append(str(args[2]))

    with single_read(stocked) as conn:
        event.listen(conn, "before_cursor_execute", count)
        page = search_orders(conn, OrderQuery(limit=1))
        statements_for_first = len(statements)
        following = search_orders(conn, OrderQuery(limit=1, cursor=page["next_cursor"]))
        by_number = search_orders(conn, OrderQuery(tracking="100000000102"))
    assert statements_for_first == 1 and len(statements) == 3
    assert [i["external_id"] for i in page["items"] + following["items"]] == ["T-2", "T-1"]
    assert following["items"][0]["tracking_numbers"] == ["100000000101", "100000000102"]
    assert [i["id"] for i in by_number["items"]] == [two]
