"""Why a parcel is on the watchlist, as a text id and the facts it names — never a sentence.

The rules (``domain.watchlist``) state *what* they found as a :class:`Why`: a code naming
one of the texts below and typed facts (moments, days, durations, codes).  Whoever shows
it turns it into words in the reader's language: the cockpit pages through the de/en
catalogues (``entrypoints/web/watchlist_texts.py``; the texts below are extracted into them
by ``entrypoints/web/catalogues.py``), the API and logs in English with :func:`english`.
So the same finding reads "nicht übergeben bis zum geplanten Termin Mo. 30. Nov. 16:00"
on a German page and "not handed over by the planned cut-off Mon 30 Nov 16:00" in JSON.

Each fact's *name* says its kind (``FACT_KINDS``), so a renderer formats ``due`` as a moment
in the warehouse's time zone, ``silent`` as a duration, ``status`` as an order status …
without knowing which text it fills.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any


def N_(message: str) -> str:
    """Mark ``message`` for the page catalogues; it is translated where it is shown."""
    return message


class Kind(StrEnum):
    MOMENT = "moment"
    """A datetime, shown in the warehouse's time zone (JSON: ISO 8601 with offset)."""
    DAY = "day"
    """A calendar date (JSON: ``YYYY-MM-DD``)."""
    DURATION = "duration"
    """Hours (JSON: a number), shown as hours below three days, else as days."""
    COUNT = "count"
    """A whole number."""
    ORDER_STATUS = "order_status"
    """An order status code, named in the reader's language."""
    SCAN_STATUS = "scan_status"
    """A harmonised tracking status code, named in the reader's language."""
    CODE = "code"
    """Shown as it is: a carrier, a country code, a carrier's reason code, a number."""


FACT_KINDS: dict[str, Kind] = {
    "labelled": Kind.MOMENT, "pickup": Kind.MOMENT, "due": Kind.MOMENT,
    "promised": Kind.DAY,
    "silent": Kind.DURATION, "usual": Kind.DURATION, "late": Kind.DURATION,
    "days": Kind.COUNT, "length": Kind.COUNT,
    "status": Kind.ORDER_STATUS, "scan": Kind.SCAN_STATUS,
    "carrier": Kind.CODE, "country": Kind.CODE, "reason": Kind.CODE, "number": Kind.CODE,
}

WHY: dict[str, str] = {
    "labelled_not_handed_over": N_(
        "labelled %(labelled)s but not handed over at the %(carrier)s pick-up %(pickup)s"),
    "delayed_dispatch": N_(
        "not handed over by the planned cut-off %(due)s (usual processing: %(days)s working "
        "day(s); status %(status)s)"),
    "tracking_empty": N_("the tracking number is empty"),
    "tracking_s10_check": N_("the UPU S10 check digit does not match"),
    "tracking_ups_check": N_("the UPS 1Z check digit does not match"),
    "tracking_no_format": N_(
        "%(length)s characters '%(number)s' match no %(carrier)s number format"),
    "tracking_no_format_any": N_(
        "%(length)s characters '%(number)s' match no number format of any carrier"),
    "forgotten": N_(
        "no carrier scan %(silent)s after hand-over (usual first scan within %(usual)s)"),
    "failed_attempt": N_("delivery attempt failed (%(reason)s)"),
    "failed_attempt_no_reason": N_("delivery attempt failed (no reason given)"),
    "exception": N_(
        "exception (%(reason)s) not resolved by the end of the next working day"),
    "exception_no_reason": N_(
        "exception (no reason given) not resolved by the end of the next working day"),
    "delayed": N_("no scan for %(silent)s since %(scan)s (usual gap up to %(usual)s)"),
    "late_promise": N_("not delivered %(late)s after the deadline (promised by %(promised)s)"),
    "late_sla": N_(
        "not delivered %(late)s after the deadline (SLA for %(carrier)s to %(country)s: "
        "%(days)s delivery day(s))"),
    "late_usual": N_(
        "not delivered %(late)s after the deadline (usual transit %(days)s delivery day(s))"),
}

DURATION_HOURS = N_("%(hours)s h")
DURATION_DAYS = N_("%(days)s days")


@dataclass(frozen=True)
class Why:
    """One finding: ``code`` names a text of ``WHY``; ``facts`` fill its placeholders."""

    code: str
    facts: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.code not in WHY:
            raise ValueError(f"no watchlist text {self.code!r}")
        unknown = set(self.facts) - set(FACT_KINDS)
        if unknown:
            raise ValueError(f"facts without a kind: {sorted(unknown)}")

    def as_json(self) -> dict[str, Any]:
        """Code and facts for the API (moments and days in ISO 8601, durations in hours)."""
        return {"code": self.code, "facts": {k: _json(v) for k, v in self.facts.items()}}


def _json(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _english(name: str, value: Any) -> str:
    kind = FACT_KINDS[name]
    if kind is Kind.MOMENT:
        return f"{value:%a %d %b %H:%M}"
    if kind is Kind.DAY:
        return f"{value:%a %d %b}"
    if kind is Kind.DURATION:
        hours = float(value)
        if hours < 72:
            return DURATION_HOURS % {"hours": f"{hours:.0f}"}
        return DURATION_DAYS % {"days": f"{hours / 24:.1f}"}
    if kind is Kind.ORDER_STATUS:
        return str(value or "open")
    return str(value)


def english(why: Why) -> str:
    """The finding in English, as the API and the logs give it."""
    return WHY[why.code] % {k: _english(k, v) for k, v in why.facts.items()}
