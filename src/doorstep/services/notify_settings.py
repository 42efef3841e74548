"""Per-shop notification settings: which kinds go out, from whom, where, and when not.

Read from a TOML file (setting ``notify_config``), one table per shop channel, with
``[defaults]`` for what every shop shares::

    [defaults]
    sender = "Example Shop <orders@shop.example>"
    reply_to = "help@shop.example"
    kinds = ["confirmed", "shipped", "out_for_delivery", "delay", "ready_for_pickup",
             "delivered", "cancelled"]
    quiet_hours = "21:00-08:00"      # non-urgent kinds wait until the end (warehouse zone)
    language = "de"                  # for customers whose country does not say

    [shops.shopify]                  # the order's channel
    webhook_url = "https://shop.example/hooks/doorstep"
    webhook_secret = "…"             # signs every webhook (HMAC-SHA256)
    fulfilment = "shopify"           # or "woocommerce": mark the order fulfilled there
    shopify_shop = "example.myshopify.com"
    shopify_token = "shpat_…"
    # woocommerce_url / woocommerce_key / woocommerce_secret for "woocommerce"

A wrong key or value stops start-up with the file, the table and the reason.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

KINDS = ("confirmed", "shipped", "out_for_delivery", "delay", "ready_for_pickup", "delivered",
         "cancelled")
URGENT = frozenset({"delay", "out_for_delivery", "ready_for_pickup"})
FULFILMENT_PLATFORMS = ("shopify", "woocommerce")
GERMAN_COUNTRIES = frozenset({"DE", "AT", "CH", "LI"})


class NotifySettingsError(ValueError):
    """The notification settings file cannot be used; the message says where and why."""


@dataclass(frozen=True, kw_only=True)
class ShopNotify:
    sender: str = "doorstep <no-reply@localhost>"
    reply_to: str = ""
    kinds: tuple[str, ...] = KINDS
    quiet_hours: str = ""
    language: str = "de"
    email: bool = True
    webhook_url: str = ""
    webhook_secret: str = ""
    fulfilment: str = ""
    shopify_shop: str = ""
    shopify_token: str = ""
    shopify_api_version: str = "2025-01"
    woocommerce_url: str = ""
    woocommerce_key: str = ""
    woocommerce_secret: str = ""

    def quiet_until(self, at: datetime, timezone: str) -> datetime | None:
        """The end of the quiet hours ``at`` falls in, or None when it is not quiet."""
        if not self.quiet_hours:
            return None
        start, end = _hours(self.quiet_hours)
        local = at.astimezone(ZoneInfo(timezone))
        now = local.time()
        inside = (start <= now < end) if start < end else (now >= start or now < end)
        if not inside:
            return None
        day = local.date() if now < end else local.date() + timedelta(days=1)
        return datetime.combine(day, end, tzinfo=local.tzinfo)

    def language_for(self, country: str) -> str:
        if country.upper() in GERMAN_COUNTRIES:
            return "de"
        return "en" if country else self.language


@dataclass(frozen=True)
class NotifySettings:
    defaults: ShopNotify = field(default_factory=ShopNotify)
    shops: dict[str, ShopNotify] = field(default_factory=dict)

    def for_channel(self, channel: str) -> ShopNotify:
        return self.shops.get(channel, self.defaults)


def _hours(text: str) -> tuple[time, time]:
    try:
        first, second = text.split("-")
        return time.fromisoformat(first.strip()), time.fromisoformat(second.strip())
    except ValueError as exc:
        raise NotifySettingsError(f"quiet_hours {text!r}: write it as HH:MM-HH:MM") from exc


def _shop(where: str, raw: dict[str, Any], base: ShopNotify) -> ShopNotify:
    known = {f.name for f in fields(ShopNotify)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in known:
            raise NotifySettingsError(f"{where}: unknown key {key!r} "
                                      f"(allowed: {', '.join(sorted(known))})")
        values[key] = tuple(value) if key == "kinds" else value
    shop = replace(base, **values)
    bad = [k for k in shop.kinds if k not in KINDS]
    if bad:
        raise NotifySettingsError(f"{where}: kinds {bad} unknown (allowed: {', '.join(KINDS)})")
    if shop.quiet_hours:
        try:
            _hours(shop.quiet_hours)
        except NotifySettingsError as exc:
            raise NotifySettingsError(f"{where}: {exc}") from exc
    if shop.language not in ("de", "en"):
        raise NotifySettingsError(f"{where}: language {shop.language!r} is not de or en")
    if shop.webhook_url and not shop.webhook_secret.strip():
        raise NotifySettingsError(f"{where}: webhook_url needs a non-blank webhook_secret")
    if shop.fulfilment and shop.fulfilment not in FULFILMENT_PLATFORMS:
        raise NotifySettingsError(f"{where}: fulfilment {shop.fulfilment!r} is not one of "
                                  f"{', '.join(FULFILMENT_PLATFORMS)}")
    needs = {"shopify": ("shopify_shop", "shopify_token"),
             "woocommerce": ("woocommerce_url", "woocommerce_key", "woocommerce_secret")}
    for key in needs.get(shop.fulfilment, ()):
        if not str(getattr(shop, key)).strip():
            raise NotifySettingsError(f"{where}: fulfilment {shop.fulfilment!r} needs {key}")
    return shop


def load_notify_settings(path: str | Path | None) -> NotifySettings:
    """Read the file (``None`` or ``""``: defaults only — e-mail, every kind, no webhooks)."""
    if not path:
        return NotifySettings()
    file = Path(path)
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NotifySettingsError(f"{file}: {exc}") from exc
    unknown = set(data) - {"defaults", "shops"}
    if unknown:
        raise NotifySettingsError(f"{file}: unknown tables {sorted(unknown)} "
                                  "(allowed: defaults, shops)")
    defaults = _shop(f"{file} [defaults]", dict(data.get("defaults", {})), ShopNotify())
    shops = {name: _shop(f"{file} [shops.{name}]", dict(raw), defaults)
             for name, raw in dict(data.get("shops", {})).items()}
    return NotifySettings(defaults=defaults, shops=shops)
