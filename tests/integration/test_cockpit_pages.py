"""The cockpit's pages over HTTP: what each shows and what each form does (no browser)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from order_builders import browser_client, order, ship_new_order
from sqlalchemy import Engine, insert, select, update

from doorstep.adapters.db.notify_tables import notifications
from doorstep.adapters.db.tables import order_events, shipments
from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.services.intake import accept_order

SHOP_ORDER = {"id": 1001, "email": "ada@example.org",
              "shipping_address": {"zip": "1011", "city": "Berlin", "country_code": "DE"}}


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    """An operator logged in through /login, as in a browser."""
    with browser_client(stocked) as c:
        yield c


def csrf(client: TestClient, page: str) -> str:
    """Load a page (which sets the CSRF cookie) and return the token its forms carry."""
    html = client.get(page).text
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def hold(engine: Engine, payload: dict[str, object] | None = None) -> int:
    return QuarantineStore(engine).hold(
        "shopify", "order", "#1001",
        [Reason(ReasonCode.invalid_postcode, "shipping_address.postcode", "too short")],
        json.dumps(payload or SHOP_ORDER))


def test_the_overview_draws_labelled_charts_and_refreshes_its_panels(
        stocked: Engine, client: TestClient) -> None:
    accept_order(stocked, order("P-1", ("PEN", 1)), "k-p-1")
    html = client.get("/ops", params={"lang": "en"}).text
    assert 'hx-get="/ops/panels"' in html and 'hx-trigger="every 30s"' in html
    for chart in ("status-chart", "intake-chart", "promise-chart"):
        assert '<svg class="chart"' in html and f'id="{chart}"' in html
        assert f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert ">received</text>" in html  # the bar's label, in words
    assert "objective 95.0 %" in html  # the target line is labelled, not only coloured
    panels = client.get("/ops/panels", params={"lang": "de"}).text
    assert "<html" not in panels and "Bestellungen je Status" in panels


def test_the_order_search_page_finds_by_shop_number_and_links_the_order(
        stocked: Engine, client: TestClient) -> None:
    order_id = ship_new_order(stocked, "SHOP-77", ("PEN", 1), carrier="dhl",
                              tracking_number="100000000077")
    html = client.get("/ops/orders", params={"q": "SHOP-77", "lang": "en"}).text
    assert f'href="/ops/orders/{order_id}"' in html and "100000000077" in html
    now = datetime.now(UTC)
    with stocked.begin() as conn:
        conn.execute(insert(notifications).values(
            order_id=order_id, parcel="100000000077", kind="shipped", channel="email",
            status="sent", message_id="<m1@doorstep>", recipient="ada@example.org",
            language="en", data={}, created_at=now, available_at=now, sent_at=now))
    page = client.get(f"/ops/orders/{order_id}", params={"lang": "en"}).text
    assert "shipped · email → ada@example.org (100000000077)" in page
    for section in ("Lines", "Reservations", "Picks", "Parcels", "Promise and its revisions",
                    "Notifications sent", "Timeline", "Audit trail"):
        assert f">{section}</h" in page
    assert client.get("/ops/orders/ord_missing").status_code == 404
    assert client.get("/ops/orders", params={"date_from": "30.11."}).status_code == 422


def test_a_watchlist_row_is_marked_handled_through_the_form(
        stocked: Engine, client: TestClient) -> None:
    order_id = ship_new_order(stocked, "WL-1", ("PEN", 1), carrier="dhl", tracking_number="XX")
    with stocked.begin() as conn:
        conn.execute(update(shipments).values(shipped_at=datetime.now(UTC) - timedelta(hours=1)))
    token = csrf(client, "/ops/watchlist")
    flag = f"invalid_tracking~{order_id}~XX"
    refused = client.post(f"/ops/watchlist/{flag}/handled", data={"note": "x"},
                          follow_redirects=False)
    assert refused.status_code == 403  # no CSRF token
    done = client.post(f"/ops/watchlist/{flag}/handled",
                       data={"csrf_token": token, "note": "relabelled the parcel"},
                       follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"].endswith("done=handled")
    assert "No parcel needs attention." in client.get("/ops/watchlist?lang=en").text
    with stocked.connect() as conn:
        note = conn.execute(select(order_events.c.data).where(
            order_events.c.type == "watchlist.handled")).scalar_one()
    assert note["note"] == "relabelled the parcel"


def test_one_field_of_a_held_record_is_corrected_and_highlighted(
        stocked: Engine, client: TestClient) -> None:
    record = hold(stocked)
    page = client.get(f"/ops/quarantine/{record}", params={"lang": "en"}).text
    assert '<mark class="failing">    &#34;zip&#34;: &#34;1011&#34;,</mark>' in page
    assert 'name="path" value="shipping_address.zip"' in page
    token = csrf(client, f"/ops/quarantine/{record}")
    saved = client.post(f"/ops/quarantine/{record}/field", follow_redirects=False, data={
        "csrf_token": token, "path": "shipping_address.zip", "value": "10117"})
    assert saved.headers["location"].endswith("done=corrected")
    stored = QuarantineStore(stocked).get(record)
    assert json.loads(stored.corrected_payload or "")["shipping_address"] == {
        "zip": "10117", "city": "Berlin", "country_code": "DE"}
    assert json.loads(stored.payload) == SHOP_ORDER  # the original is kept
    assert [a.action for a in stored.audit] == ["hold", "correct"]
    bad = client.post(f"/ops/quarantine/{record}/field", follow_redirects=False, data={
        "csrf_token": token, "path": "shipping_address.nope.deeper", "value": "1"})
    assert "error=" in bad.headers["location"]


def test_bulk_reject_needs_one_reason_and_lists_each_outcome(
        stocked: Engine, client: TestClient) -> None:
    first, second = hold(stocked), hold(stocked)
    token = csrf(client, "/ops/quarantine")
    missing = client.post("/ops/quarantine/bulk", data={
        "csrf_token": token, "ids": [str(first), str(second)], "action": "reject", "note": ""})
    assert missing.status_code == 422
    done = client.post("/ops/quarantine/bulk", params={"lang": "en"}, data={
        "csrf_token": token, "ids": [str(first), str(second)], "action": "reject",
        "note": "test orders from the shop's staging system"})
    assert "2 of 2 records done." in done.text
    store = QuarantineStore(stocked)
    assert {store.get(first).status, store.get(second).status} == {"rejected"}
    again = client.post("/ops/quarantine/bulk", params={"lang": "en"}, data={
        "csrf_token": token, "ids": [str(first)], "action": "release"})
    assert "0 of 1 records done." in again.text  # rejected is final: listed as not done


def test_the_queue_filters_by_reason_and_source(stocked: Engine, client: TestClient) -> None:
    record = hold(stocked)
    shown = client.get("/ops/quarantine", params={"reason": "invalid_postcode"}).text
    hidden = client.get("/ops/quarantine", params={"reason": "missing_field"}).text
    assert f'href="/ops/quarantine/{record}"' in shown
    assert f'href="/ops/quarantine/{record}"' not in hidden


def test_the_watchlist_gives_its_reasons_in_the_readers_language(
        stocked: Engine, client: TestClient) -> None:
    """The API's English sentence is not what a German page shows: the reason comes from
    the German catalogue, its count and date in German form."""
    ship_new_order(stocked, "WL-2", ("PEN", 1), carrier="dhl", tracking_number="XX")
    with stocked.begin() as conn:
        conn.execute(update(shipments).values(shipped_at=datetime.now(UTC) - timedelta(hours=1)))
    german = client.get("/ops/watchlist", params={"lang": "de"}).text
    english = client.get("/ops/watchlist", params={"lang": "en"}).text
    assert "2 Zeichen „XX“ passen zu keinem Nummernformat von dhl" in german
    assert "match no dhl number format" not in german
    assert "2 characters &#39;XX&#39; match no dhl number format" in english
