"""Quiet hours, languages and webhook signatures, without a database."""

from __future__ import annotations

from datetime import UTC, datetime

from doorstep.adapters.notify.webhooks import signature, verify
from doorstep.services.notify_settings import ShopNotify


def test_quiet_hours_across_midnight_end_next_morning_in_the_warehouse_zone() -> None:
    shop = ShopNotify(quiet_hours="21:00-08:00")
    late = datetime(2026, 12, 1, 21, 30, tzinfo=UTC)  # 22:30 in Berlin
    until = shop.quiet_until(late, "Europe/Berlin")
    assert until is not None and until.isoformat() == "2026-12-02T08:00:00+01:00"
    early = datetime(2026, 12, 2, 5, 0, tzinfo=UTC)  # 06:00 in Berlin
    assert shop.quiet_until(early, "Europe/Berlin").isoformat() == (  # type: ignore[union-attr]
        "2026-12-02T08:00:00+01:00")
    assert shop.quiet_until(datetime(2026, 12, 2, 12, 0, tzinfo=UTC), "Europe/Berlin") is None


def test_customers_in_german_speaking_countries_get_german() -> None:
    shop = ShopNotify(language="en")
    assert shop.language_for("AT") == "de"
    assert shop.language_for("FR") == "en"
    assert shop.language_for("") == "en"


def test_a_signature_verifies_only_with_the_secret_the_body_and_a_fresh_time() -> None:
    body = b'{"type":"order.shipped"}'
    headers = {"doorstep-timestamp": "1000", "doorstep-signature": signature("k", 1000, body)}
    assert verify("k", headers, body, now=1100)
    assert not verify("other", headers, body, now=1100)
    assert not verify("k", headers, body + b" ", now=1100)
    assert not verify("k", headers, body, now=1000 + 301)  # a replay five minutes later
