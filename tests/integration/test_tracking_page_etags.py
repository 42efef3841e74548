"""The tracking page's ETag: a refresh with nothing new is a 304, anything new is the page."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client
from sqlalchemy import Engine, insert

from doorstep.adapters.db.tables import shipments
from doorstep.adapters.db.uow import transaction
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.domain.harmonise.tracking import TrackingStatus
from doorstep.services import order_flow
from doorstep.services.events import record_event
from doorstep.services.tracking_links import revoke

EN = {"Accept-Language": "en"}



@pytest.fixture
def client(shop: Engine) -> Iterator[TestClient]:
    with api_client(shop) as c:
        yield c


def _etag(client: TestClient, token: str, **headers: str) -> str:
    page = client.get(f"/track/{token}", headers={**EN, **headers})
    assert page.status_code == 200
    return page.headers["ETag"]


def test_a_refresh_with_nothing_new_is_304_without_a_body(shop: Engine,
                                                          client: TestClient) -> None:
    _id, token = scenarios.build(shop, "normal", "2001")
    page = client.get(f"/track/{token}", headers=EN)
    etag = page.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")  # strong
    assert page.headers["Cache-Control"] == "private, no-cache"
    again = client.get(f"/track/{token}", headers={**EN, "If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["ETag"] == etag
    assert again.headers["Cache-Control"] == "private, no-cache"
    assert again.headers["Vary"] == page.headers["Vary"]
    for listed in (f'"other", {etag}', f"W/{etag}", "*"):
        assert client.get(f"/track/{token}", headers={**EN, "If-None-Match": listed}
                          ).status_code == 304
    assert client.get(f"/track/{token}", headers={**EN, "If-None-Match": '"other"'}
                      ).status_code == 200


def test_a_new_scan_changes_the_etag_and_serves_the_new_page(shop: Engine,
                                                             client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "2002")
    before = _etag(client, token)
    scenarios.add_scan(shop, order_id, TrackingStatus.out_for_delivery)
    fresh = client.get(f"/track/{token}", headers={**EN, "If-None-Match": before})
    assert fresh.status_code == 200 and "Out for delivery" in fresh.text
    assert fresh.headers["ETag"] != before


def test_a_promise_revision_changes_the_etag(shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "2003")
    before = _etag(client, token)
    later = date.today() + timedelta(days=6)
    with transaction(shop, write=True) as conn:
        record_event(conn, order_id, "promise.revised", actor="promise-engine", data={
            "revision": 1, "cause": "carrier", "final": False, "level": 0.9,
            "promised_date": later.isoformat(), "earliest_date": later.isoformat(),
            "latest_date": later.isoformat()})
    fresh = client.get(f"/track/{token}", headers={**EN, "If-None-Match": before})
    assert fresh.status_code == 200 and "First estimate:" in fresh.text


def test_a_new_parcel_changes_the_etag_even_without_a_timeline_entry(
        shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "2004")
    before = _etag(client, token)
    with transaction(shop, write=True) as conn:  # a parcel row alone, no event beside it
        conn.execute(insert(shipments).values(
            order_id=order_id, carrier="dhl", tracking_number="00340434999999999999",
            shipped_at=datetime.now(UTC), units={"2": 1}))
    fresh = client.get(f"/track/{token}", headers={**EN, "If-None-Match": before})
    assert fresh.status_code == 200 and "00340434999999999999" in fresh.text


def test_a_status_change_changes_the_etag(shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "busy", "2005")
    before = _etag(client, token)
    with transaction(shop, write=True) as conn:
        order_flow.cancel(conn, order_id, actor="shop", reason="customer asked")
    fresh = client.get(f"/track/{token}", headers={**EN, "If-None-Match": before})
    assert fresh.status_code == 200 and "This order has been cancelled." in fresh.text


def test_each_language_has_its_own_etag(shop: Engine, client: TestClient) -> None:
    _id, token = scenarios.build(shop, "normal", "2006")
    english = _etag(client, token)
    german = _etag(client, token, **{"Accept-Language": "de"})
    assert english != german
    switched = client.get(f"/track/{token}?lang=de",
                          headers={**EN, "If-None-Match": english})
    assert switched.status_code == 200 and "Bestellung 2006" in switched.text
    assert switched.headers["ETag"] == german
    # the switch is remembered in a cookie: the next plain visit is German and current
    client.cookies.set("doorstep_lang", "de")
    assert client.get(f"/track/{token}", headers={**EN, "If-None-Match": german}
                      ).status_code == 304


def test_another_orders_etag_is_not_this_ones(shop: Engine, client: TestClient) -> None:
    _a, first = scenarios.build(shop, "normal", "2007")
    _b, second = scenarios.build(shop, "normal", "2008")
    assert _etag(client, first) != _etag(client, second)


def test_unknown_and_revoked_tokens_stay_404_whatever_the_browser_holds(
        shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "2009")
    held = _etag(client, token)
    with transaction(shop, write=True) as conn:
        revoke(conn, order_id)
    assert client.get(f"/track/{token}", headers={"If-None-Match": held}).status_code == 404
    assert client.get("/track/" + "x" * 43, headers={"If-None-Match": "*"}).status_code == 404
