"""``carrier:service`` — how an order names the parcel service it ships with.

``"dhl:paket"`` is DHL's standard parcel, ``"ups"`` is UPS with its default service.  Every
part of doorstep that reads the text (cut-offs, promises, waves, the watchlist, the
cockpit) parses it here, so they agree on case, blanks and defaults::

    "DHL:Paket"  → CarrierService("dhl", "paket")
    "ups"        → CarrierService("ups", "default")
    None or ""   → None           (callers choose: DEFAULT_SERVICE, or "unknown")
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["DEFAULT_SERVICE", "CarrierService", "carrier_of", "parse_carrier_service"]


@dataclass(frozen=True, slots=True)
class CarrierService:
    carrier: str
    service: str

    def __str__(self) -> str:
        return f"{self.carrier}:{self.service}"


DEFAULT_SERVICE = CarrierService("dhl", "paket")
"""The parcel service of an order that names none (DHL's standard parcel)."""


def parse_carrier_service(text: str | None) -> CarrierService | None:
    """``carrier:service`` in lower case; no service → ``"default"``; no carrier → None."""
    carrier, _, service = (text or "").partition(":")
    carrier = carrier.strip().lower()
    if not carrier:
        return None
    return CarrierService(carrier, service.strip().lower() or "default")


def carrier_of(text: str | None) -> str:
    """The carrier of ``text`` (``'dhl:paket'`` → ``'dhl'``); none named → the default's."""
    return (parse_carrier_service(text) or DEFAULT_SERVICE).carrier
