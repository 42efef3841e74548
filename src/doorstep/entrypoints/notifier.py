"""Wiring the customer notifications into a worker process (``serve`` or ``worker``).

Two parts, both started by ``start_worker_threads``::

    outbox worker   its handlers for order.accepted/shipped/tracking/cancelled also *plan*
                    notifications (rows in ``notifications``), in the same transaction
    sender          a second thread sends due rows: e-mail over SMTP (when ``smtp_host``
                    is set), signed webhooks and shop fulfilment (per shop, ``notify_config``)

``prepare_notifications`` reads the per-shop settings and renders every e-mail template
once, so a broken setting or template stops start-up with a message naming it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import Connection

from doorstep.adapters.notify import fulfilment
from doorstep.adapters.notify.smtp import SmtpServer
from doorstep.adapters.notify.webhooks import post_webhook
from doorstep.bootstrap import Container
from doorstep.entrypoints.web.emails import check_templates, compose
from doorstep.services.events import Topic
from doorstep.services.notify_delivery import DeliveryPolicy, Sender, run_sender
from doorstep.services.notify_plan import plan_notifications
from doorstep.services.notify_settings import NotifySettings, load_notify_settings
from doorstep.services.outbox import Handler, build_handlers, run_worker
from doorstep.settings import Settings

PLANNED_TOPICS = (Topic.ORDER_ACCEPTED, Topic.ORDER_SHIPPED, Topic.ORDER_TRACKING,
                  Topic.ORDER_CANCELLED)


@dataclass(frozen=True)
class Notifications:
    settings: NotifySettings
    base_url: str


def prepare_notifications(settings: Settings) -> Notifications:
    """Per-shop settings and checked templates; raises ``ValueError`` naming what is wrong."""
    notify = load_notify_settings(settings.notify_config)
    if not settings.smtp_host:  # nothing could deliver e-mail: do not plan any
        notify = NotifySettings(defaults=replace(notify.defaults, email=False),
                                shops={k: replace(v, email=False)
                                       for k, v in notify.shops.items()})
    check_templates(settings.notify_templates_dir, settings.timezone)
    base = settings.public_base_url or f"http://{settings.host}:{settings.port}"
    return Notifications(settings=notify, base_url=base)


def planning_handlers(settings: Settings, notifications: Notifications) -> dict[str, Handler]:
    """The outbox handlers, each followed by planning the notifications its topic calls for."""
    handlers = build_handlers(promise_model_path=settings.promise_model_path,
                              origin_country=settings.country,
                              capacity_plan_path=settings.capacity_plan_path)

    def wrap(topic: str, inner: Handler) -> Handler:
        def handler(conn: Connection, payload: dict[str, Any]) -> None:
            inner(conn, payload)
            plan_notifications(conn, topic, payload, settings=notifications.settings,
                               timezone=settings.timezone)
        return handler

    return {topic: wrap(topic, h) if topic in PLANNED_TOPICS else h
            for topic, h in handlers.items()}


def webhook_payload(row: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """What the shop receives: the message's kind and facts, no internal ids."""
    data = dict(row["data"])
    created = row["created_at"]
    return {
        "id": str(row["message_id"]), "type": f"order.{row['kind']}",
        "created_at": (created if isinstance(created, datetime)
                       else datetime.now(UTC)).isoformat(),
        "order": {"external_id": data.get("external_id"), "channel": data.get("channel"),
                  # planned before the field existed: the number then shown was the id
                  "order_number": data.get("order_number") or data.get("external_id")},
        "parcel": {k: data.get(k) for k in ("carrier", "tracking_number", "carrier_url")}
        if data.get("tracking_number") else None,
        "window": data.get("window"), "original_window": data.get("original"),
        "reason": data.get("reason"), "language": row["language"],
        "tracking_url": f"{base_url.rstrip('/')}/track/{data['token']}"}


def senders(settings: Settings, notifications: Notifications,
            client: httpx.Client) -> dict[str, Sender]:
    notify = notifications.settings
    smtp = SmtpServer(host=settings.smtp_host, port=settings.smtp_port,
                      starttls=settings.smtp_starttls, username=settings.smtp_username,
                      password=settings.smtp_password)

    def shop_of(row: Mapping[str, Any]) -> Any:
        return notify.for_channel(str(dict(row["data"]).get("channel") or ""))

    def email(row: Mapping[str, Any]) -> None:
        smtp.send(compose(row, settings=notify, timezone=settings.timezone,
                          base_url=notifications.base_url,
                          override_dir=settings.notify_templates_dir))

    def webhook(row: Mapping[str, Any]) -> None:
        post_webhook(client, str(row["recipient"]), shop_of(row).webhook_secret,
                     event=f"order.{row['kind']}", delivery_id=str(row["message_id"]),
                     payload=webhook_payload(row, notifications.base_url))

    def shopify(row: Mapping[str, Any]) -> None:
        shop = shop_of(row)
        fulfilment.shopify_fulfil(client, shop=shop.shopify_shop, token=shop.shopify_token,
                                  version=shop.shopify_api_version, data=dict(row["data"]))

    def woocommerce(row: Mapping[str, Any]) -> None:
        shop = shop_of(row)
        fulfilment.woocommerce_fulfil(client, url=shop.woocommerce_url,
                                      key=shop.woocommerce_key,
                                      secret=shop.woocommerce_secret, data=dict(row["data"]))

    return {"email": email, "webhook": webhook, "shopify": shopify,
            "woocommerce": woocommerce}


def start_worker_threads(container: Container, stop: threading.Event,
                         notifications: Notifications) -> list[threading.Thread]:
    """The outbox worker and the notification sender as daemon threads."""
    s = container.settings
    client = httpx.Client(timeout=15.0)
    policy = DeliveryPolicy(lease_s=s.notify_lease_s, backoff_base_s=s.notify_backoff_s)
    threads = [
        threading.Thread(target=run_worker, name="doorstep-worker", daemon=True, kwargs={
            "engine": container.engine, "stop": stop, "poll_interval": s.worker_poll_interval_s,
            "batch_size": s.worker_batch_size,
            "handlers": planning_handlers(s, notifications)}),
        threading.Thread(target=_send_then_close, name="doorstep-notify", daemon=True, kwargs={
            "engine": container.engine, "senders": senders(s, notifications, client),
            "stop": stop, "policy": policy, "client": client}),
    ]
    for thread in threads:
        thread.start()
    return threads


def _send_then_close(*, client: httpx.Client, **kwargs: Any) -> None:
    try:
        run_sender(**kwargs)
    finally:
        client.close()
