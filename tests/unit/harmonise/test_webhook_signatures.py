"""Shop webhook signatures: base64 HMAC-SHA256 over the raw body, compared in constant time."""

from __future__ import annotations

import base64
import hashlib
import hmac

from hypothesis import given
from hypothesis import strategies as st

from doorstep.adapters.webhook_signatures import scheme_for, secret_for, sign, verify
from doorstep.settings import Settings


def _reference(secret: str, body: bytes) -> str:
    """The platforms' documented recipe, written out independently."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@given(st.text(min_size=1, max_size=40), st.binary(max_size=2000))
def test_a_signature_made_as_documented_verifies(secret: str, body: bytes) -> None:
    """sign() matches the documented recipe and verify() accepts it."""
    signature = _reference(secret, body)
    assert sign(secret, body) == signature
    assert verify(secret, body, signature)


@given(st.text(min_size=1, max_size=40), st.binary(min_size=1, max_size=500), st.data())
def test_any_change_to_the_body_breaks_the_signature(
    secret: str, body: bytes, data: st.DataObject
) -> None:
    """Flipping one byte of the raw body makes verification fail."""
    index = data.draw(st.integers(0, len(body) - 1))
    tampered = body[:index] + bytes([body[index] ^ 1]) + body[index + 1:]
    assert not verify(secret, tampered, sign(secret, body))


def test_missing_secret_or_header_never_verifies() -> None:
    """An unconfigured secret or an absent header is a failure, not a pass."""
    body = b'{"id": 1}'
    assert not verify("", body, sign("", body))
    assert not verify("s3cret", body, None)
    assert not verify("s3cret", body, "not base64 at all ✓")


def test_shopify_and_woocommerce_profiles_use_their_headers_and_settings() -> None:
    """Each signing platform names its header and the setting that holds its secret."""
    settings = Settings(shopify_webhook_secret="shp", woocommerce_webhook_secret="woo")
    shopify = scheme_for("shopify-webhook")
    woo = scheme_for("woocommerce")
    assert shopify is not None and shopify.header == "X-Shopify-Hmac-Sha256"
    assert woo is not None and woo.header == "X-WC-Webhook-Signature"
    assert (secret_for(shopify, settings), secret_for(woo, settings)) == ("shp", "woo")
    assert scheme_for("magento2") is None
