"""The customer's tracking page by token, the lookup form and the live refresh."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.domain.harmonise.tracking import TrackingStatus
from doorstep.services.tracking_links import revoke


@pytest.fixture
def client(shop: Engine) -> Iterator[TestClient]:
    with api_client(shop) as c:
        yield c


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def test_the_page_shows_the_order_its_parcel_and_checkpoints_latest_first(
        shop: Engine, client: TestClient) -> None:
    _id, token = scenarios.build(shop, "normal", "1001")
    page = client.get(f"/track/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    text = page.text
    assert "Order 1001" in text and "On its way" in text
    assert text.index("On its way") < text.index("Handed to DHL") < text.index("Order received")
    assert "Die Sendung wurde im Start-Paketzentrum bearbeitet." in text  # the carrier's words
    stamps = re.findall(r'<time datetime="[^"]+">([^<]+)</time>', text)
    assert stamps and all(re.fullmatch(r"[A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2}, \d\d:\d\d", s)
                          for s in stamps), stamps
    assert "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode=" in text


def test_nothing_internal_reaches_the_customer(shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "split", "1002")
    text = client.get(f"/track/{token}").text
    for internal in (order_id, "P-01-001-1-1", "seed-1002", "warehouse", "promise-engine",
                     "backlog"):
        assert internal not in text


def test_a_split_shipment_groups_parcels_by_status_and_lists_what_is_still_coming(
        shop: Engine, client: TestClient) -> None:
    _id, token = scenarios.build(shop, "split", "1003")
    text = client.get(f"/track/{token}", headers={"Accept-Language": "en"}).text
    assert "Your 2 parcels" in text
    assert text.index("Out for delivery") < text.index("On its way") < text.index(
        "Being prepared")
    assert "1 × Field guide to birds" in text


def test_a_delay_shows_the_first_estimate_beside_the_new_one_and_why(
        shop: Engine, client: TestClient) -> None:
    _id, token = scenarios.build(shop, "delayed", "1004")
    en = client.get(f"/track/{token}?lang=en").text
    assert "First estimate:" in en
    assert "The carrier reports a problem with the delivery address." in en
    de = client.get(f"/track/{token}?lang=de").text
    assert "Erste Schätzung:" in de and "Problem mit der Lieferadresse" in de


def test_a_failed_attempt_tells_the_customer_what_happens_next(
        shop: Engine, client: TestClient) -> None:
    _id, token = scenarios.build(shop, "failed", "1005")
    text = client.get(f"/track/{token}?lang=en").text
    assert "What you can do now" in text and "DHL could not deliver your parcel" in text


def test_a_cancelled_order_says_so_and_promises_nothing(shop: Engine,
                                                       client: TestClient) -> None:
    _id, token = scenarios.build(shop, "cancelled", "1006")
    text = client.get(f"/track/{token}?lang=en").text
    assert "This order has been cancelled." in text and "Delivery estimate" not in text


def test_unknown_and_revoked_tokens_get_the_same_404(shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "1007")
    unknown = client.get("/track/" + "x" * 43)
    with transaction(shop, write=True) as conn:
        new = revoke(conn, order_id)
    revoked = client.get(f"/track/{token}")
    assert unknown.status_code == revoked.status_code == 404
    assert unknown.text.replace("x" * 43, token) == revoked.text
    assert client.get(f"/track/{new}").status_code == 200


def test_the_live_section_is_204_until_something_new_happens(shop: Engine,
                                                             client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "1008")
    page = client.get(f"/track/{token}").text
    version = int(re.search(r"/live\?v=(\d+)", page).group(1))  # type: ignore[union-attr]
    assert client.get(f"/track/{token}/live?v={version}").status_code == 204
    scenarios.add_scan(shop, order_id, TrackingStatus.out_for_delivery)
    fresh = client.get(f"/track/{token}/live?v={version}", headers={"HX-Request": "true",
                                                                   "Accept-Language": "en"})
    assert fresh.status_code == 200
    assert "Something new has arrived" in fresh.text and "Out for delivery" in fresh.text
    assert "<html" not in fresh.text  # a fragment, not a page


def test_the_lookup_finds_the_order_by_number_and_email_or_postcode(
        shop: Engine, client: TestClient) -> None:
    _id, token = scenarios.build(shop, "normal", "1009", email="grace@example.org")
    for contact in ("grace@example.org", "GRACE@example.org", "10117", " 101 17 "):
        csrf = _csrf(client.get("/track").text)
        found = client.post("/track", data={"order_number": "1009", "contact": contact,
                                            "csrf_token": csrf}, follow_redirects=False)
        assert found.status_code == 303 and found.headers["location"] == f"/track/{token}"


def test_wrong_and_unknown_details_get_the_same_answer(shop: Engine, client: TestClient) -> None:
    scenarios.build(shop, "normal", "1010", email="grace@example.org")
    csrf = _csrf(client.get("/track").text)
    wrong = client.post("/track", data={"order_number": "1010", "contact": "eve@example.org",
                                        "csrf_token": csrf})
    unknown = client.post("/track", data={"order_number": "99999", "contact": "eve@example.org",
                                          "csrf_token": csrf})
    assert wrong.status_code == unknown.status_code == 200
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)


def test_guessing_is_stopped_with_429_and_retry_after(shop: Engine, client: TestClient) -> None:
    scenarios.build(shop, "normal", "1011", email="grace@example.org")
    csrf = _csrf(client.get("/track").text)
    statuses = [client.post("/track", data={"order_number": "1011",
                                            "contact": f"guess{i}@example.org",
                                            "csrf_token": csrf}).status_code
                for i in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
    last = client.post("/track", data={"order_number": "1011", "contact": "grace@example.org",
                                       "csrf_token": csrf}, follow_redirects=False)
    assert last.status_code == 429 and int(last.headers["retry-after"]) > 0


def test_staff_get_the_link_and_revoking_replaces_it(shop: Engine, client: TestClient) -> None:
    order_id, token = scenarios.build(shop, "normal", "1012")
    link = client.get(f"/v1/orders/{order_id}/tracking-link").json()["url"]
    assert link.endswith(f"/track/{token}")
    new = client.post(f"/v1/orders/{order_id}/tracking-link/revoke").json()["url"]
    assert new != link
    assert client.get(link.split("testserver")[-1]).status_code == 404
    assert client.get(new.split("testserver")[-1]).status_code == 200
