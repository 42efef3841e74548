"""The cockpit's words for codes: watchlist categories, scan statuses, alert titles, and
the watchlist's reasons put into the reader's language.

A watchlist row carries its reason as a text id and facts (``domain.watchlist_texts``);
:class:`ReasonWords` fills the translated text with facts formatted for the reader — moments
in the warehouse's time zone with the language's day and month names, durations and numbers
with the language's decimal sign — so a German page reads "nicht zugestellt, 2,5 Tage nach
der Frist" where the API says "not delivered 2.5 days after the deadline".
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from doorstep.domain.watchlist_texts import DURATION_DAYS, DURATION_HOURS, FACT_KINDS, WHY, Kind
from doorstep.entrypoints.web.i18n import N_, date_formatters, gettext, pgettext
from doorstep.entrypoints.web.status_names import STATUS_NAMES
from doorstep.services.overview import (
    CAPACITY_FROM_DEFAULT,
    CAPACITY_FROM_HISTORY,
    CAPACITY_FROM_HISTORY_OR_MODEL,
)

CATEGORY_NAMES = {
    "invalid_tracking": N_("Invalid tracking number"),
    "delayed_dispatch": N_("Delayed dispatch"),
    "labelled_not_handed_over": N_("Labelled, not handed over"),
    "forgotten": N_("Forgotten after hand-over"),
    "failed_attempt": N_("Failed delivery attempt"),
    "delayed": N_("Delayed between scans"),
    "exception": N_("Exception not resolved"),
    "lead_time_exceeded": N_("Lead time exceeded"),
}
SCAN_NAMES = {
    "info_received": N_("label data received"), "picked_up": N_("picked up"),
    "in_transit": N_("in transit"), "out_for_delivery": N_("out for delivery"),
    "delivery_attempt_failed": N_("delivery attempt failed"),
    "available_for_pickup": N_("ready for collection"), "delivered": N_("delivered"),
    "exception": N_("exception reported"), "returning": N_("on its way back"),
    "returned_to_sender": N_("returned to sender"), "cancelled": N_("cancelled"),
    "unknown": N_("unmapped carrier code"),
}
OPEN = N_("open")
CAPACITY_SOURCE_NAMES = {
    CAPACITY_FROM_HISTORY_OR_MODEL: N_("last week's shipments or the fitted model"),
    CAPACITY_FROM_HISTORY: N_("last week's shipments"),
    CAPACITY_FROM_DEFAULT: N_("default (no shipments, no model)"),
}
ALERT_NAMES = {
    # by the rule's ``slo`` label (one objective may have several windows' rules) …
    "outbox": N_("The outbox is behind its objective"),
    "promise": N_("Fewer promises kept than the objective"),
    "quarantine": N_("More records quarantined per hour than the objective allows"),
    "intake": N_("Intake is using up its error budget too fast"),
    # … or by the alert's name
    "DoorstepDown": N_("Prometheus cannot reach doorstep"),
}


class ReasonWords:
    """Turns a row's ``reason`` (code and JSON facts) into a sentence in ``language``.

    Call inside ``use_language(language)`` — pages are rendered inside it — so the text and
    the names come from that language's catalogue.
    """

    def __init__(self, language: str, timezone: str) -> None:
        formatters = date_formatters(language, timezone)
        self._datetime = formatters["format_datetime"]
        self._date = formatters["format_date"]
        self._number = formatters["format_number"]

    def __call__(self, reason: Mapping[str, Any]) -> str:
        facts = {name: self._fact(name, value)
                 for name, value in (reason.get("facts") or {}).items()}
        return gettext(WHY[reason["code"]]) % facts

    def _fact(self, name: str, value: Any) -> str:
        kind = FACT_KINDS[name]
        if kind is Kind.MOMENT:
            return self._datetime(datetime.fromisoformat(value),
                                  pgettext("date pattern", "EEE d MMM HH:mm"))
        if kind is Kind.DAY:
            return self._date(date.fromisoformat(value), pgettext("date pattern", "EEE d MMM"))
        if kind is Kind.DURATION:
            hours = float(value)
            if hours < 72:
                return gettext(DURATION_HOURS) % {"hours": self._number(hours, 0)}
            return gettext(DURATION_DAYS) % {"days": self._number(hours / 24, 1)}
        if kind is Kind.COUNT:
            return self._number(value, 0)
        if kind is Kind.ORDER_STATUS:
            return gettext(STATUS_NAMES.get(value, value) if value else OPEN)
        if kind is Kind.SCAN_STATUS:
            return gettext(SCAN_NAMES.get(value, value))
        return str(value)
