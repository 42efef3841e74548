"""The number a customer knows from the shop ("#1001") is the order's number wherever the
customer or an operator sees or types one; the shop's order id (Shopify's 450789469) stays
where machines need it (idempotency, the shop's API).  Orders come from the real shop
samples in tests/fixtures/shops (see ORIGIN.md there)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pypdfium2
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from order_builders import api_client, browser_client, drain
from sqlalchemy import Engine, select, update

from doorstep.adapters.db.notify_tables import notifications
from doorstep.adapters.db.tables import orders
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.importers.order_mapping import load_order_mapper
from doorstep.devtools.sinks import HttpSink, SmtpSink
from doorstep.entrypoints.notifier import Notifications, planning_handlers, senders
from doorstep.schemas.orders import OrderIn
from doorstep.services import order_flow
from doorstep.services.intake import IdempotencyConflict, accept_order
from doorstep.services.notify_delivery import send_due
from doorstep.services.notify_settings import load_notify_settings
from doorstep.services.order_import import (
    Decision,
    OrderImporter,
    OrderResult,
    build_quarantine_store,
    engine_intake,
)
from doorstep.services.outbox import process_batch
from doorstep.services.tracking_links import ensure_token
from doorstep.settings import Settings

SHOPS = Path(__file__).parents[1] / "fixtures" / "shops"
SHOPIFY = (SHOPS / "shopify" / "order.json").read_bytes()
SHOPIFY_ID, SHOPIFY_EMAIL = "450789469", "bob.norman@hostmail.com"


def _woocommerce(number: str) -> str:
    """Order 727 of WooCommerce's documentation, with a SKU on each line (doorstep picks by
    SKU; the sample's first line has none) and ``number`` as a sequential-numbers plugin
    sets it (the sample's own number equals its id, 727, which would prove nothing here)."""
    order = json.loads((SHOPS / "woocommerce" / "order_727_retrieve.json").read_text())
    for n, line in enumerate(order["line_items"], start=1):
        line["sku"] = line["sku"] or f"WOO-{n}"
    order["number"] = number
    return json.dumps(order)


def _import(engine: Engine, profile: str, payload: str | bytes) -> OrderResult:
    importer = OrderImporter(load_order_mapper(profile), engine_intake(engine),
                             build_quarantine_store(engine))
    (result,) = importer.import_document(payload).results
    return result


def _accepted(engine: Engine, profile: str, payload: str | bytes) -> str:
    result = _import(engine, profile, payload)
    assert result.decision is Decision.accepted, result.reasons
    assert result.order_id is not None
    return result.order_id


def _token(engine: Engine, order_id: str) -> str:
    with transaction(engine, write=True) as conn:
        return ensure_token(conn, order_id)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _look_up(client: TestClient, number: str, contact: str) -> httpx.Response:
    csrf = _csrf(client.get("/track").text)
    response: httpx.Response = client.post(
        "/track", data={"order_number": number, "contact": contact, "csrf_token": csrf},
        follow_redirects=False)
    return response


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with api_client(engine) as c:
        yield c


# -- the customer's page and the lookup ---------------------------------------------------


def test_a_shopify_order_is_shown_to_its_customer_as_1001_not_as_its_id(
        engine: Engine, client: TestClient) -> None:
    token = _token(engine, _accepted(engine, "shopify", SHOPIFY))
    page = client.get(f"/track/{token}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "<title>Order #1001" in page.text and "<h1>Order #1001</h1>" in page.text
    assert SHOPIFY_ID not in page.text


def test_the_lookup_finds_the_shopify_order_by_1001_with_or_without_hash_or_by_its_id(
        engine: Engine, client: TestClient) -> None:
    token = _token(engine, _accepted(engine, "shopify", SHOPIFY))
    for number, contact in (("#1001", SHOPIFY_EMAIL), ("1001", "40202"),
                            (" #1001 ", "BOB.NORMAN@hostmail.com"), (SHOPIFY_ID, "40202")):
        found = _look_up(client, number, contact)
        assert found.status_code == 303, (number, contact)
        assert found.headers["location"] == f"/track/{token}"


def test_1001_with_a_wrong_address_gets_the_same_answer_as_an_unknown_number(
        engine: Engine, client: TestClient) -> None:
    _accepted(engine, "shopify", SHOPIFY)
    wrong = _look_up(client, "#1001", "eve@example.org")
    unknown = _look_up(client, "#1002", "eve@example.org")
    assert wrong.status_code == unknown.status_code == 200
    strip = re.compile(r'value="[^"]*"')
    assert strip.sub("", wrong.text) == strip.sub("", unknown.text)


def test_guessing_addresses_for_1001_is_limited_whether_typed_with_hash_or_without(
        engine: Engine, client: TestClient) -> None:
    _accepted(engine, "shopify", SHOPIFY)
    statuses = [_look_up(client, number, f"guess{i}@example.org").status_code
                for i, number in enumerate(("#1001", "1001", "#1001", "1001", "#1001", "1001"))]
    assert statuses == [200] * 5 + [429]  # one window for the number, however it is typed


def test_a_woocommerce_order_is_shown_and_found_by_the_shops_number(
        engine: Engine, client: TestClient) -> None:
    token = _token(engine, _accepted(engine, "woocommerce", _woocommerce("W-0042")))
    page = client.get(f"/track/{token}", headers={"Accept-Language": "en"}).text
    assert "<h1>Order W-0042</h1>" in page
    found = _look_up(client, "W-0042", "john.doe@example.com")
    assert found.status_code == 303 and found.headers["location"] == f"/track/{token}"


def test_a_shop_without_an_order_number_shows_and_finds_the_order_by_its_id(
        engine: Engine, client: TestClient) -> None:
    """The generic CSV carries no number column here: the customer knows the order id."""
    header, *rows = (SHOPS / "csv" / "orders.csv").read_text(encoding="utf-8").splitlines()
    order_id = _accepted(engine, "orders-csv",
                         "\n".join([header, *(r for r in rows if r.startswith("A-1001,"))]))
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.order_number, orders.c.external_id)
                            .where(orders.c.id == order_id)).one() == (None, "A-1001")
    token = _token(engine, order_id)
    page = client.get(f"/track/{token}", headers={"Accept-Language": "en"}).text
    assert "<h1>Order A-1001</h1>" in page
    found = _look_up(client, "A-1001", "anna@example.de")
    assert found.status_code == 303 and found.headers["location"] == f"/track/{token}"


# -- e-mails and webhooks -----------------------------------------------------------------




def _notify(tmp_path: Path, smtp: SmtpSink, hooks: HttpSink) -> Settings:
    config = tmp_path / "notify.toml"
    config.write_text('[defaults]\nsender = "Example Shop <orders@shop.example>"\n'
                      + "".join(f'[shops.{channel}]\nwebhook_url = "{hooks.url}"\n'
                                'webhook_secret = "s3cret"\n'
                                for channel in ("shopify", "woocommerce")), encoding="utf-8")
    return Settings(smtp_host="127.0.0.1", smtp_port=smtp.port, notify_config=str(config),
                    public_base_url="https://track.shop.example", promise_model_path="")


def _send_confirmations(engine: Engine, settings: Settings) -> None:
    """Plan from the outbox as the worker does, then send what is due now."""
    notify = Notifications(settings=load_notify_settings(settings.notify_config),
                           base_url=settings.public_base_url)
    while process_batch(engine, handlers=planning_handlers(settings, notify)).handled:
        pass
    with transaction(engine, write=True) as conn:
        conn.execute(update(notifications).values(available_at=notifications.c.created_at))
    with httpx.Client(timeout=5) as client:
        send_due(engine, senders(settings, notify, client))


@pytest.mark.parametrize(("profile", "payload", "number", "shop_id"), [
    ("shopify", SHOPIFY, "#1001", SHOPIFY_ID),
    ("woocommerce", _woocommerce("W-0042"), "W-0042", "727"),
])
def test_the_confirmation_mail_and_the_shops_webhook_carry_the_shops_number(
        engine: Engine, smtp: SmtpSink, hooks: HttpSink, tmp_path: Path, profile: str,
        payload: str | bytes, number: str, shop_id: str) -> None:
    _accepted(engine, profile, payload)
    _send_confirmations(engine, _notify(tmp_path, smtp, hooks))
    (mail,) = smtp.messages
    assert number in str(mail["Subject"]) and shop_id not in str(mail["Subject"])
    text = mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert f"order {number}" in text and shop_id not in text
    (hook,) = hooks.requests
    # the shop's own id stays for the shop's systems; the number is what people read
    assert hook.json()["order"] == {"external_id": shop_id, "order_number": number,
                                    "channel": profile}


# -- a retry is still the same order ----------------------------------------------------


def _shopify_order() -> OrderIn:
    (mapped,) = load_order_mapper("shopify").map_document(SHOPIFY)
    assert mapped.order is not None
    return mapped.order


def test_an_order_accepted_before_numbers_were_read_is_a_duplicate_when_the_shop_resends_it(
        engine: Engine) -> None:
    """Before this field, the Shopify profile produced the same order without "#1001", under
    the same key; the shop re-sending the same payload now is a repeat, not a new body."""
    before = _shopify_order().model_copy(update={"order_number": None})
    first = accept_order(engine, before, f"shopify:{SHOPIFY_ID}")
    again = _import(engine, "shopify", SHOPIFY)
    assert again.decision is Decision.duplicate and again.order_id == first.order_id
    assert not again.reasons
    with engine.connect() as conn:
        assert conn.execute(select(orders.c.id)).scalars().all() == [first.order_id]


def test_a_retry_with_the_same_key_and_payload_replays_the_order_it_made(
        engine: Engine) -> None:
    first = _import(engine, "shopify", SHOPIFY)
    again = _import(engine, "shopify", SHOPIFY)
    assert first.decision is Decision.accepted and again.decision is Decision.duplicate
    assert again.order_id == first.order_id
    replay = accept_order(engine, _shopify_order(), f"shopify:{SHOPIFY_ID}")
    assert replay.replayed and replay.order_id == first.order_id


def test_the_same_key_with_another_shop_number_is_a_conflict(engine: Engine) -> None:
    order = _shopify_order()
    accept_order(engine, order, "k-1001")
    with pytest.raises(IdempotencyConflict):
        accept_order(engine, order.model_copy(update={"order_number": "#1002"}), "k-1001")


# -- the operator's side: cockpit search, packing slip, label, manifest ----------------


def test_operators_find_the_shopify_order_by_1001_in_the_cockpit_and_the_api(
        engine: Engine, client: TestClient) -> None:
    order_id = _accepted(engine, "shopify", SHOPIFY)
    with browser_client(engine) as browser:
        for typed in ("#1001", "1001"):
            html = browser.get("/ops/orders", params={"q": typed, "lang": "en"}).text
            assert f'href="/ops/orders/{order_id}"' in html, typed
            assert f"shopify · #1001 <span class=\"muted small mono\">({SHOPIFY_ID})" in html
        page = browser.get(f"/ops/orders/{order_id}", params={"lang": "en"}).text
        assert "shopify · #1001" in page
    found = client.get("/v1/orders", params={"order_number": "1001"}).json()["items"]
    assert [(o["id"], o["order_number"], o["external_id"]) for o in found] == [
        (order_id, "#1001", SHOPIFY_ID)]
    assert client.get(f"/v1/orders/{order_id}").json()["order_number"] == "#1001"


SHIPPING: dict[str, Any] = {"gs1_company_prefix": "4012345",
            "sender_address": "Demo Shop GmbH|Lagerstraße 1|10115|Berlin|DE"}


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.get_textpage().get_text_range()
                     for page in pypdfium2.PdfDocument(content))


def test_the_packing_slip_label_and_manifest_name_the_shops_number(stocked: Engine) -> None:
    order = OrderIn.model_validate({
        "external_id": "5524100337", "order_number": "#2001", "channel": "shopify",
        "customer": {"name": "Ada Lovelace", "email": "ada@example.org"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": "PEN", "quantity": 1, "unit_price": "2.50"}]})
    order_id = accept_order(stocked, order, "k-2001").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all):
            step(conn, order_id, actor="t")
    with browser_client(stocked) as bench:  # the packer types the number off the slip
        scanned = bench.post("/packing/scan", data={
            "code": "#2001", "csrf_token": _csrf(bench.get("/packing").text)},
            follow_redirects=False)
        assert scanned.headers["location"] == f"/packing/order/{order_id}"
        assert "<h1>Pack order #2001</h1>" in bench.get(scanned.headers["location"],
                                                         params={"lang": "en"}).text
    link = "https://shop.example/account/orders/{reference}"
    with api_client(stocked, label_tracking_url=link, **SHIPPING) as client:
        assert client.put("/v1/warehouses/BER/cartons/S", json={
            "length_mm": 200, "width_mm": 150, "height_mm": 120, "tare_g": 90,
            "max_load_g": 5000, "cost": "0.45"}).status_code == 200
        (parcel,) = client.post("/v1/parcels", json={"order_id": order_id}).json()["parcels"]
        slip = _pdf_text(client.get(f"/v1/parcels/{parcel['id']}/packing-slip?lang=en").content)
        assert "#2001" in slip and "5524100337" not in slip
        client.post(f"/v1/parcels/{parcel['id']}/weight",
                    json={"grams": parcel["expected_weight_g"]})
        label = client.post(f"/v1/parcels/{parcel['id']}/label")
        assert label.status_code == 200, label.text
        assert "Order #2001" in _pdf_text(label.content)
        # the link into the shop's own pages takes the shop's id, not the printed number
        page = pypdfium2.PdfDocument(label.content)[0].render(scale=3).to_pil()
        codes = {r.format: r.text for r in zxingcpp.read_barcodes(page)}
        assert codes[zxingcpp.BarcodeFormat.QRCode] == (
            "https://shop.example/account/orders/5524100337")
        manifest: dict[str, Any] = client.post("/v1/manifests", json={"carrier": "dhl"}).json()
        assert [(p["order_id"], p["reference"]) for p in manifest["parcels"]] == [
            (order_id, "#2001")]


# -- the intake API -------------------------------------------------------------------


API_ORDER = {"external_id": "api-1", "customer": {"name": "Ada Lovelace"},
             "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                                  "postcode": "10117", "city": "Berlin", "country": "DE"},
             "lines": [{"sku": "PEN", "quantity": 1, "unit_price": "2.50"}]}


@pytest.mark.parametrize(("number", "reason"), [
    ("", "at least 1 character"), ("   ", "at least 1 character"),
    ("#" + "1" * 64, "at most 64 characters"), ("#10\n01", "control characters"),
])
def test_a_malformed_order_number_is_refused_naming_the_field(
        client: TestClient, number: str, reason: str) -> None:
    r = client.post("/v1/orders", json={**API_ORDER, "order_number": number},
                    headers={"Idempotency-Key": "bad-number"})
    assert r.status_code == 422 and r.headers["content-type"] == "application/problem+json"
    (error,) = r.json()["errors"]
    assert error["field"] == "order_number" and reason in error["reason"]


def test_an_api_client_retrying_with_the_same_key_and_number_gets_the_same_order(
        client: TestClient) -> None:
    body = {**API_ORDER, "order_number": "#77"}
    first = client.post("/v1/orders", json=body, headers={"Idempotency-Key": "k-77"})
    again = client.post("/v1/orders", json=body, headers={"Idempotency-Key": "k-77"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert client.get(f"/v1/orders/{first.json()['id']}").json()["order_number"] == "#77"
