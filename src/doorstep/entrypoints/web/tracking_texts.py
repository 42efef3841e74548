"""Customer-facing words for the codes of ``services.customer_view``, for the page and e-mails.

Plain Python lookups instead of Jinja macros: a tracking page shows a dozen of these, and a
macro that builds its table of translated texts on every call cost a third of the page's
render time (measured with ``benchmarks/tracking_page.py``).  The texts are marked with
``N_`` and translated at call time in the page's language.
"""

from __future__ import annotations

from typing import Any

from doorstep.entrypoints.web.i18n import N_, gettext

STATUS_HEADINGS = {
    "preparing": N_("Being prepared"),
    "handed_over": N_("Handed to the carrier"),
    "in_transit": N_("On its way"),
    "out_for_delivery": N_("Out for delivery"),
    "available_for_pickup": N_("Ready for collection"),
    "delivery_attempt_failed": N_("Delivery attempt failed"),
    "exception": N_("Problem reported"),
    "returning": N_("On its way back to the shop"),
    "returned_to_sender": N_("Returned to the shop"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Cancelled"),
}
CARRIER_UPDATE = N_("Carrier update")

CHECKPOINTS = {
    "received": N_("Order received"),
    "picking": N_("We are packing your order"),
    "packed": N_("Packed"),
    "handed_over": N_("Handed to %(carrier)s"),
    "info_received": N_("Announced to %(carrier)s"),
    "picked_up": N_("Picked up by %(carrier)s"),
    "in_transit": N_("On its way"),
    "out_for_delivery": N_("Out for delivery"),
    "delivery_attempt_failed": N_("Delivery attempt failed"),
    "available_for_pickup": N_("Ready for collection"),
    "exception": N_("Problem reported"),
    "returning": N_("On its way back to the shop"),
    "returned_to_sender": N_("Returned to the shop"),
    "delivered": N_("Delivered"),
    "cancelled": N_("Order cancelled"),
}

REASONS = {
    "busy_week": N_("Many orders are arriving this week, so packing yours takes a little "
                    "longer."),
    "waiting_for_stock": N_("An item of your order is on its way to our warehouse; we send "
                            "your order as soon as it arrives."),
    "handed_over_late": N_("Your parcel was handed to the carrier later than planned."),
    "carrier_slower": N_("The carrier needs longer than usual for this route."),
    "exception:address": N_("The carrier reports a problem with the delivery address."),
    "exception:recipient_absent": N_("The carrier could not deliver because nobody was there "
                                     "to take the parcel."),
    "exception:damaged": N_("The carrier reports that the parcel was damaged."),
    "exception:customs": N_("The parcel is being checked by customs."),
    "exception:weather": N_("Bad weather is delaying deliveries."),
    "exception:delayed": N_("The carrier reports a delay."),
    "exception:lost": N_("The carrier is searching for the parcel."),
    "exception:refused": N_("The delivery was refused."),
}
UNKNOWN_REASON = N_("The carrier reports a problem.")


def status_heading(code: str) -> str:
    return gettext(STATUS_HEADINGS.get(code, CARRIER_UPDATE))


def checkpoint_label(checkpoint: Any) -> str:
    text = CHECKPOINTS.get(str(checkpoint.code))
    if text is None:
        return gettext(CARRIER_UPDATE)
    return gettext(text) % {"carrier": checkpoint.carrier or ""} if "%(" in text \
        else gettext(text)


def reason_text(code: str | None) -> str:
    return gettext(REASONS.get(str(code), UNKNOWN_REASON))


TEMPLATE_GLOBALS = {"status_heading": status_heading, "reason_text": reason_text}
