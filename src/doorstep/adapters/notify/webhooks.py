"""Outgoing webhooks to the shop, signed so the shop can trust them.

Every request carries::

    Content-Type: application/json
    Doorstep-Event: order.shipped
    Doorstep-Delivery: <uuid>           the same on every retry of one message
    Doorstep-Timestamp: <unix seconds>
    Doorstep-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>" with the shop's secret>

The receiver recomputes the HMAC over the raw body and compares in constant time; checking
the timestamp (say, within 5 minutes) stops replays, the delivery id de-duplicates retries.
2xx is success; 408, 429 and 5xx are retried with back-off; any other 4xx is final.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import httpx

from doorstep.services.notify_delivery import PermanentFailure


def signature(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"v1={mac.hexdigest()}"


def verify(secret: str, headers: dict[str, str], body: bytes, *, tolerance_s: int = 300,
           now: float | None = None) -> bool:
    """What a receiver does (and what the tests do with the requests they get)."""
    try:
        timestamp = int(headers["doorstep-timestamp"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, headers.get("doorstep-signature", ""))


def raise_for_status(response: httpx.Response, what: str) -> None:
    """Retry on 408/429/5xx (raise), give up on other 4xx (PermanentFailure)."""
    code = response.status_code
    if 200 <= code < 300:
        return
    text = response.text[:300]
    if code in (408, 429) or code >= 500:
        raise RuntimeError(f"{what}: HTTP {code} {text}")
    raise PermanentFailure(f"{what}: HTTP {code} {text}")


def post_webhook(client: httpx.Client, url: str, secret: str, *, event: str,
                 delivery_id: str, payload: dict[str, Any]) -> None:
    body = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    timestamp = int(time.time())
    response = client.post(url, content=body, headers={
        "Content-Type": "application/json", "Doorstep-Event": event,
        "Doorstep-Delivery": delivery_id, "Doorstep-Timestamp": str(timestamp),
        "Doorstep-Signature": signature(secret, timestamp, body)})
    raise_for_status(response, f"webhook {url}")
