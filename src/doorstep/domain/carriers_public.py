"""What a customer may see of a carrier: its display name and its own tracking page.

The links are the carriers' public tracking pages with the tracking number as a query or
path part (checked by hand in November 2026); an unknown carrier gets no link rather than a
guessed one.
"""

from __future__ import annotations

from urllib.parse import quote

CARRIER_NAMES = {"dhl": "DHL", "dpd": "DPD", "gls": "GLS", "ups": "UPS", "hermes": "Hermes",
                 "fedex": "FedEx", "postnl": "PostNL", "dhl_express": "DHL Express"}

TRACKING_PAGES = {
    "dhl": "https://www.dhl.de/de/privatkunden/pakete-empfangen/verfolgen.html?piececode={n}",
    "dhl_express": "https://www.dhl.com/de-de/home/tracking.html?tracking-id={n}",
    "dpd": "https://tracking.dpd.de/status/de_DE/parcel/{n}",
    "gls": "https://gls-group.com/DE/de/paketverfolgung?match={n}",
    "ups": "https://www.ups.com/track?tracknum={n}",
    "hermes": "https://www.myhermes.de/empfangen/sendungsverfolgung/sendungsinformation#{n}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={n}",
    "postnl": "https://jouw.postnl.nl/track-and-trace/{n}",
}


def carrier_name(carrier: str) -> str:
    key = carrier.split(":", 1)[0].strip().lower()
    return CARRIER_NAMES.get(key, key.upper())


def carrier_tracking_url(carrier: str, tracking_number: str) -> str | None:
    template = TRACKING_PAGES.get(carrier.split(":", 1)[0].strip().lower())
    if template is None or not tracking_number:
        return None
    return template.format(n=quote(tracking_number, safe=""))
