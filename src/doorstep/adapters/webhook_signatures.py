"""Verify the signatures shop platforms put on their webhooks.

Both Shopify (``X-Shopify-Hmac-Sha256``) and WooCommerce (``X-WC-Webhook-Signature``)
send ``base64(HMAC-SHA256(secret, raw request body))``.  The HMAC must be computed over the
raw bytes as received — re-serialising parsed JSON changes whitespace and breaks it — and
compared in constant time so the comparison leaks nothing about the expected value.

Sources whose platform does not sign (Shopware 6, Magento 2, CSV uploads) and carriers
sign the same way with a secret doorstep issues (``services.source_secrets``), in
``X-Doorstep-Signature`` — the header the supplier webhook uses as well.  Carriers that can
only be given a URL send that secret as ``?token=`` instead (``token_matches``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from doorstep.settings import Settings

__all__ = [
    "DOORSTEP_SIGNATURE_HEADER",
    "SIGNATURE_HEADERS",
    "SignatureScheme",
    "scheme_for",
    "sign",
    "token_matches",
    "verify",
    "verify_any",
]

DOORSTEP_SIGNATURE_HEADER = "X-Doorstep-Signature"


@dataclass(frozen=True, slots=True)
class SignatureScheme:
    """Which header carries the signature and which setting holds the shared secret."""

    platform: str
    header: str
    secret_setting: str


_SHOPIFY = SignatureScheme("shopify", "X-Shopify-Hmac-Sha256", "shopify_webhook_secret")
_WOOCOMMERCE = SignatureScheme(
    "woocommerce", "X-WC-Webhook-Signature", "woocommerce_webhook_secret"
)

SIGNATURE_HEADERS: Mapping[str, SignatureScheme] = {
    "shopify": _SHOPIFY,
    "shopify-webhook": _SHOPIFY,
    "woocommerce": _WOOCOMMERCE,
}
"""Order profiles whose platform signs its webhooks, by profile name."""


def scheme_for(profile: str) -> SignatureScheme | None:
    """The signature scheme a profile's platform uses, or ``None`` if it does not sign."""
    return SIGNATURE_HEADERS.get(profile)


def secret_for(scheme: SignatureScheme, settings: Settings) -> str:
    """The shared secret from settings (empty if not configured)."""
    return str(getattr(settings, scheme.secret_setting))


def sign(secret: str, body: bytes) -> str:
    """``base64(HMAC-SHA256(secret, body))`` — what both platforms put in their header."""
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def verify(secret: str, body: bytes, signature: str | None) -> bool:
    """True only if a secret is configured and ``signature`` matches the raw ``body``.

    An empty secret never verifies: a forgotten setting must not open the door.
    """
    if not secret or not signature:
        return False
    expected = sign(secret, body).encode("ascii")
    return hmac.compare_digest(expected, signature.strip().encode("ascii", "replace"))


def verify_any(secrets: Sequence[str], body: bytes, signature: str | None) -> bool:
    """True if ``signature`` verifies with one of the source's active secrets (rotation
    keeps two valid for a while); no secret at all never verifies."""
    return any(verify(secret, body, signature) for secret in secrets if secret.strip())


def token_matches(secrets: Sequence[str], token: str | None) -> bool:
    """True if the URL token is one of the source's active secrets (constant-time)."""
    if not token:
        return False
    presented = token.encode("utf-8", "replace")
    return any(hmac.compare_digest(secret.encode("utf-8"), presented)
               for secret in secrets if secret.strip())
