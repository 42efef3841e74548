"""Customer notifications: planned once from the outbox, sent over real SMTP and HTTP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from doorstep.adapters.db.notify_tables import notifications
from doorstep.adapters.db.tables import outbox, processed_messages
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.notify.webhooks import verify
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.devtools.sinks import HttpSink, Received, SmtpSink
from doorstep.domain.harmonise.tracking import ExceptionReason, TrackingStatus
from doorstep.entrypoints.notifier import Notifications, planning_handlers, senders
from doorstep.services.events import record_event
from doorstep.services.notify_delivery import DeliveryPolicy, retry_dead, send_due
from doorstep.services.notify_settings import load_notify_settings
from doorstep.services.outbox import process_batch
from doorstep.settings import Settings

SECRET = "s3cret-for-tests"


def _config(tmp_path: Path, webhook: str = "", extra: str = "") -> str:
    path = tmp_path / "notify.toml"
    hook = (f'webhook_url = "{webhook}"\nwebhook_secret = "{SECRET}"\n' if webhook else "")
    path.write_text(f'[defaults]\nsender = "Example Shop <orders@shop.example>"\n'
                    f'reply_to = "help@shop.example"\n[shops.shop]\n{hook}{extra}',
                    encoding="utf-8")
    return str(path)





def _settings(smtp: SmtpSink, config: str) -> Settings:
    return Settings(smtp_host="127.0.0.1", smtp_port=smtp.port, notify_config=config,
                    public_base_url="https://track.shop.example", promise_model_path="")


def _notifications(settings: Settings) -> Notifications:
    return Notifications(settings=load_notify_settings(settings.notify_config),
                         base_url=settings.public_base_url)


def _drain(engine: Engine, settings: Settings) -> None:
    handlers = planning_handlers(settings, _notifications(settings))
    while process_batch(engine, handlers=handlers).handled:
        pass


def _rows(engine: Engine, order_id: str | None = None) -> list[Any]:
    query = select(notifications).order_by(notifications.c.id)
    if order_id:
        query = query.where(notifications.c.order_id == order_id)
    with engine.connect() as conn:
        return list(conn.execute(query).all())


def _build(engine: Engine, settings: Settings, scenario: str, number: str) -> str:
    handlers = planning_handlers(settings, _notifications(settings))
    order_id, _token = scenarios.build(engine, scenario, number, handlers=handlers)
    return order_id


def test_an_order_gets_one_message_per_kind_and_parcel_and_channel(
        shop: Engine, smtp: SmtpSink, hooks: HttpSink, tmp_path: Path) -> None:
    settings = _settings(smtp, _config(tmp_path, hooks.url))
    order_id = _build(shop, settings, "split", "3001")
    kinds = sorted((r.kind, r.parcel != "", r.channel) for r in _rows(shop, order_id))
    assert kinds == sorted([("confirmed", False, "email"), ("confirmed", False, "webhook"),
                            ("shipped", True, "email"), ("shipped", True, "webhook"),
                            ("shipped", True, "email"), ("shipped", True, "webhook"),
                            ("out_for_delivery", True, "email"),
                            ("out_for_delivery", True, "webhook")])


def test_handling_the_same_outbox_messages_again_plans_nothing_new(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    settings = _settings(smtp, _config(tmp_path))
    order_id = _build(shop, settings, "delivered", "3002")
    before = len(_rows(shop, order_id))
    with transaction(shop, write=True) as conn:  # as if every message came back
        conn.execute(update(outbox).values(processed_at=None))
        conn.execute(processed_messages.delete())
    _drain(shop, settings)
    assert len(_rows(shop, order_id)) == before
    assert {r.kind for r in _rows(shop, order_id)} == {"confirmed", "shipped",
                                                       "out_for_delivery", "delivered"}


def test_a_revision_that_ends_later_sends_one_delay_with_window_and_reason(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    settings = _settings(smtp, _config(tmp_path))
    order_id = _build(shop, settings, "normal", "3003")
    with transaction(shop, write=True) as conn:
        record_event(conn, order_id, "promise.revised", actor="promise-engine", data={
            "revision": 1, "cause": "exception:address", "final": False,
            "promised_date": "2030-01-09", "earliest_date": "2030-01-07",
            "latest_date": "2030-01-09", "level": 0.9})
    scenarios.add_scan(shop, order_id, TrackingStatus.exception,
                       reason=ExceptionReason.address, text="Anschrift unvollständig")
    _drain(shop, settings)
    delays = [r for r in _rows(shop, order_id) if r.kind == "delay"]
    assert len(delays) == 1 and delays[0].revision == "r1"
    assert delays[0].data["window"] == {"earliest": "2030-01-07", "latest": "2030-01-09"}
    assert delays[0].data["reason"] == "exception:address"
    assert delays[0].available_at <= delays[0].created_at  # urgent: no quiet hours


def test_without_a_revision_an_exception_still_sends_a_delay(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    settings = _settings(smtp, _config(tmp_path))
    order_id = _build(shop, settings, "failed", "3004")
    delays = [r for r in _rows(shop, order_id) if r.kind == "delay"]
    assert len(delays) == 1 and delays[0].data["reason"] == "exception:recipient_absent"


def test_quiet_hours_hold_non_urgent_mail_and_kinds_can_be_switched_off(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    config = _config(tmp_path, extra='quiet_hours = "00:00-23:59"\n'
                                     'kinds = ["shipped", "delay"]\n')
    settings = _settings(smtp, config)
    order_id = _build(shop, settings, "normal", "3005")
    rows = _rows(shop, order_id)
    assert [r.kind for r in rows] == ["shipped"]  # no "confirmed": switched off
    assert rows[0].available_at > rows[0].created_at  # waits for the end of quiet hours


def test_mail_is_multipart_in_the_customers_language_with_a_stable_message_id(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    settings = _settings(smtp, _config(tmp_path))
    order_id = _build(shop, settings, "normal", "3006")
    with transaction(shop, write=True) as conn:
        conn.execute(update(notifications).values(available_at=notifications.c.created_at))
    result = send_due(shop, senders(settings, _notifications(settings), _client()))
    assert result.sent == 2 and result.failed == 0
    by_id = {r.message_id: r for r in _rows(shop, order_id)}
    assert sorted(smtp.message_ids()) == sorted(by_id)
    shipped = next(m for m in smtp.messages if "unterwegs" in str(m["Subject"]))
    assert shipped["From"] == "Example Shop <orders@shop.example>"
    assert shipped["Reply-To"] == "help@shop.example"
    assert shipped.get_content_type() == "multipart/alternative"
    text = shipped.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    html = shipped.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "wurde an DHL übergeben" in text and "https://track.shop.example/track/" in text
    assert '<html lang="de">' in html
    assert all(r.status == "sent" for r in by_id.values())


def _client() -> Any:
    import httpx

    return httpx.Client(timeout=5)


def test_webhooks_are_signed_and_carry_the_message(shop: Engine, smtp: SmtpSink,
                                                   hooks: HttpSink, tmp_path: Path) -> None:
    settings = _settings(smtp, _config(tmp_path, hooks.url))
    _build(shop, settings, "normal", "3007")
    with transaction(shop, write=True) as conn:
        conn.execute(update(notifications).values(available_at=notifications.c.created_at))
    send_due(shop, senders(settings, _notifications(settings), _client()))
    assert len(hooks.requests) == 2
    for request in hooks.requests:
        assert verify(SECRET, request.headers, request.body)
        assert not verify("wrong", request.headers, request.body)
    shipped = next(r.json() for r in hooks.requests if r.json()["type"] == "order.shipped")
    # the shop sent no number of its own: the customer knows the order by its id
    assert shipped["order"] == {"external_id": "3007", "order_number": "3007",
                                "channel": "shop"}
    assert shipped["parcel"]["carrier"] == "DHL"
    assert "ord_" not in json.dumps(shipped)  # no internal ids


def test_a_failing_webhook_backs_off_and_ends_as_a_dead_letter(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    with HttpSink(lambda r: (503, {"error": "down"})) as down:
        settings = _settings(smtp, _config(tmp_path, down.url))
        order_id = _build(shop, settings, "cancelled", "3008")
        policy = DeliveryPolicy(backoff_base_s=0.0, max_attempts={"webhook": 3})
        hook = lambda: [r for r in _rows(shop, order_id) if r.channel == "webhook"]  # noqa: E731
        outcomes = []
        for _ in range(4):
            with transaction(shop, write=True) as conn:
                conn.execute(update(notifications).values(
                    available_at=notifications.c.created_at))
            outcomes.append(send_due(shop, senders(settings, _notifications(settings),
                                                   _client()), policy=policy))
        dead = hook()
        assert [r.status for r in dead] == ["dead", "dead"]  # confirmed + cancelled
        assert all(r.attempts == 3 and "503" in r.last_error for r in dead)
        assert len(down.requests) == 6  # three tries each, then no more
        assert retry_dead(shop, dead[0].id)
        assert next(r for r in hook() if r.id == dead[0].id).status == "pending"


def _shopify(request: Received) -> tuple[int, Any]:
    body = request.json()
    if "FulfillmentOrders" in body["query"]:
        return 200, {"data": {"order": {"fulfillmentOrders": {"nodes": [{
            "id": "gid://shopify/FulfillmentOrder/1", "status": "OPEN",
            "lineItems": {"nodes": [
                {"id": "gid://shopify/FulfillmentOrderLineItem/11", "remainingQuantity": 2,
                 "sku": "SHIRT"},
                {"id": "gid://shopify/FulfillmentOrderLineItem/12", "remainingQuantity": 1,
                 "sku": "MUG"}]}}]}}}}
    return 200, {"data": {"fulfillmentCreate": {
        "fulfillment": {"id": "gid://shopify/Fulfillment/9", "status": "SUCCESS"},
        "userErrors": []}}}


def test_shopify_gets_a_fulfilment_with_carrier_and_tracking_number(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    with HttpSink(_shopify) as fake:
        extra = (f'fulfilment = "shopify"\nshopify_shop = "{fake.url}"\n'
                 'shopify_token = "shpat_test"\n')
        settings = _settings(smtp, _config(tmp_path, extra=extra))
        _build(shop, settings, "normal", "3009")
        with transaction(shop, write=True) as conn:
            conn.execute(update(notifications).values(available_at=notifications.c.created_at))
        send_due(shop, senders(settings, _notifications(settings), _client()))
    first, second = fake.requests
    assert first.path == "/admin/api/2025-01/graphql.json"
    assert first.headers["x-shopify-access-token"] == "shpat_test"
    assert first.json()["variables"] == {"id": "gid://shopify/Order/3009"}
    fulfillment = second.json()["variables"]["fulfillment"]
    assert fulfillment["notifyCustomer"] is False
    assert fulfillment["trackingInfo"]["company"] == "DHL"
    assert fulfillment["lineItemsByFulfillmentOrder"] == [{
        "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/1",
        "fulfillmentOrderLineItems": [
            {"id": "gid://shopify/FulfillmentOrderLineItem/11", "quantity": 2},
            {"id": "gid://shopify/FulfillmentOrderLineItem/12", "quantity": 1}]}]


def test_woocommerce_gets_a_tracking_item_and_the_order_completed(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    def woo(request: Received) -> tuple[int, Any]:
        return (200, []) if request.method == "GET" else (201, {"tracking_id": "x"})

    with HttpSink(woo) as fake:
        extra = (f'fulfilment = "woocommerce"\nwoocommerce_url = "{fake.url}"\n'
                 'woocommerce_key = "ck_test"\nwoocommerce_secret = "cs_test"\n')
        settings = _settings(smtp, _config(tmp_path, extra=extra))
        _build(shop, settings, "normal", "3010")
        with transaction(shop, write=True) as conn:
            conn.execute(update(notifications).values(available_at=notifications.c.created_at))
        send_due(shop, senders(settings, _notifications(settings), _client()))
    listed, created, completed = fake.requests
    base = "/wp-json/wc-shipment-tracking/v3/orders/3010/shipment-trackings"
    assert (listed.method, listed.path) == ("GET", base)
    assert (created.method, created.path) == ("POST", base)
    assert created.headers["authorization"].startswith("Basic ")
    body = created.json()
    assert body["custom_tracking_provider"] == "DHL"
    assert body["custom_tracking_link"].endswith("piececode=%1$s")
    assert len(body["date_shipped"]) == 10
    assert (completed.method, completed.path, completed.json()) == (
        "PUT", "/wp-json/wc/v3/orders/3010", {"status": "completed"})


def test_operators_see_dead_letters_and_can_send_them_again(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    from order_builders import api_client

    with HttpSink(lambda r: (410, {"error": "gone"})) as gone:
        settings = _settings(smtp, _config(tmp_path, gone.url))
        order_id = _build(shop, settings, "cancelled", "3011")
        with transaction(shop, write=True) as conn:
            conn.execute(update(notifications).values(available_at=notifications.c.created_at))
        send_due(shop, senders(settings, _notifications(settings), _client()))
    with api_client(shop) as client:
        dead = client.get("/v1/notifications", params={"status": "dead"}).json()["items"]
        assert {(d["order_id"], d["channel"]) for d in dead} == {(order_id, "webhook")}
        assert all("410" in d["last_error"] and d["attempts"] == 1 for d in dead)  # 4xx: final
        again = client.post(f"/v1/notifications/{dead[0]['id']}/retry")
        assert again.status_code == 200 and again.json()["status"] == "pending"
        assert client.post(f"/v1/notifications/{dead[0]['id']}/retry").status_code == 404


def test_an_operator_notice_from_the_watchlist_is_a_delay_in_the_customers_words(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    from doorstep.services.notify_plan import OperatorNotices

    settings = _settings(smtp, _config(tmp_path))
    order_id = _build(shop, settings, "normal", "3012")
    notices = OperatorNotices(_notifications(settings).settings, "Europe/Berlin")
    for _ in range(2):  # asked twice: one message
        with transaction(shop, write=True) as conn:
            notices.notify(conn, order_id=order_id, kind="forgotten",
                           reason="no scan for 3 days", actor="user:ops")
    delays = [r for r in _rows(shop, order_id) if r.kind == "delay"]
    assert len(delays) == 1 and delays[0].revision == "ops:forgotten"
    assert delays[0].data["reason"] == "exception:delayed"


def test_a_broken_template_override_stops_start_up_naming_the_file(tmp_path: Path) -> None:
    from doorstep.entrypoints.notifier import prepare_notifications

    (tmp_path / "email").mkdir()
    (tmp_path / "email" / "shipped.html").write_text(
        '{% extends "email/base.html" %}\n{% block body %}{{ d.order_number }\n{% endblock %}',
        encoding="utf-8")
    with pytest.raises(ValueError, match=r"email/shipped.html:2"):
        prepare_notifications(Settings(notify_templates_dir=str(tmp_path)))


def test_an_override_changes_the_mail_and_keeps_the_rest(
        shop: Engine, smtp: SmtpSink, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    (folder / "email").mkdir(parents=True)
    (folder / "email" / "confirmed.txt").write_text(
        "Danke für {{ d.order_number }}!\nIhr Shop-Team: {{ tracking_url }}\n",
        encoding="utf-8")
    settings = Settings(smtp_host="127.0.0.1", smtp_port=smtp.port,
                        notify_config=_config(tmp_path), notify_templates_dir=str(folder),
                        public_base_url="https://t.example", promise_model_path="")
    _build(shop, settings, "normal", "3013")
    with transaction(shop, write=True) as conn:
        conn.execute(update(notifications).values(available_at=notifications.c.created_at))
    send_due(shop, senders(settings, _notifications(settings), _client()))
    confirmed = next(m for m in smtp.messages if m["Subject"] == "Danke für 3013!")
    text = confirmed.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert text.startswith("Ihr Shop-Team: https://t.example/track/")
    html = confirmed.get_body(("html",)).get_content()  # type: ignore[union-attr]
    assert "bestätigt" in html  # the HTML part was not overridden


@pytest.mark.parametrize(("content", "reason"), [
    ('[shops.x]\nkinds = ["shipped", "teleported"]\n', "teleported"),
    ('[shops.x]\nquiet_hours = "late"\n', "HH:MM-HH:MM"),
    ('[shops.x]\nwebhook_url = "https://h"\nwebhook_secret = "  "\n', "webhook_secret"),
    ('[shops.x]\nfulfilment = "shopify"\n', "shopify_shop"),
    ('[shops.x]\nsendr = "a@b"\n', "unknown key 'sendr'"),
])
def test_a_wrong_setting_is_refused_naming_the_shop_and_reason(
        tmp_path: Path, content: str, reason: str) -> None:
    from doorstep.services.notify_settings import NotifySettingsError

    path = tmp_path / "n.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(NotifySettingsError, match=r"\[shops\.x\]") as raised:
        load_notify_settings(str(path))
    assert reason in str(raised.value)
