"""What the packing bench says, in the reader's language: verdicts, parcel states, refusals.

The services raise typed errors with English messages for the API and the logs; the bench
shows a translated sentence built from the error's fields instead (a German packer reads
German), keeping only the carrier's own words untranslated.  Texts live in ``packing.po``.
"""

from __future__ import annotations

import re

from doorstep.domain.errors import DomainError, InvalidTransition, InvalidValue, NotFound
from doorstep.domain.packing.labelling import CarrierRefused
from doorstep.domain.packing.parcel_states import ParcelStepRefused
from doorstep.entrypoints.web.i18n import N_, gettext
from doorstep.entrypoints.web.status_names import STATUS_NAMES

VERDICTS = {
    "ok": N_("Weight checked"),
    "missing_item": N_("Too light: an item seems to be missing"),
    "extra_item": N_("Too heavy: an extra item seems to be in the parcel"),
    "wrong_item_or_master_data": N_("The weight does not fit: a wrong item or wrong product "
                                    "data"),
}
PARCEL_STATES = {
    "planned": N_("to weigh"), "held": N_("held"), "checked": N_("weight checked"),
    "labelled": N_("labelled"), "handed_over": N_("handed over"),
}
STEPS = {
    "weigh": N_("weighed"), "accept": N_("let through"), "label": N_("labelled"),
    "void": N_("voided"), "hand_over": N_("handed over"),
}
_ITEM_FIELD = re.compile(r"items\[(?P<sku>.+)\]$")


def refusal(exc: DomainError) -> str:
    """``exc`` as a sentence for the bench, in the language being rendered."""
    if isinstance(exc, ParcelStepRefused):
        return gettext("This parcel is %(status)s: it cannot be %(step)s now.") % {
            "status": gettext(PARCEL_STATES.get(exc.status, exc.status)),
            "step": gettext(STEPS[exc.step])}
    if isinstance(exc, CarrierRefused):
        return gettext("%(carrier)s refused the label: %(message)s") % {
            "carrier": exc.carrier.upper(), "message": "; ".join(exc.messages)}
    if isinstance(exc, InvalidTransition):
        return gettext("The order is %(status)s and cannot change to %(target)s.") % {
            "status": gettext(STATUS_NAMES.get(exc.current, exc.current)),
            "target": gettext(STATUS_NAMES.get(exc.target, exc.target))}
    if isinstance(exc, NotFound):
        return gettext("Not found: %(what)s") % {"what": exc.key}
    if isinstance(exc, InvalidValue):
        item = _ITEM_FIELD.match(exc.field)
        if item:
            return gettext("No carton of this warehouse holds %(sku)s (too large or too "
                           "heavy for every carton type).") % {"sku": item["sku"]}
        if exc.field == "cartons":
            return gettext("No carton types are set up for this warehouse.")
        if exc.field == "order":
            return gettext("This order has no picked units left to pack.")
        if exc.field == "gs1_company_prefix":
            return gettext("The GS1 company prefix is not configured, so no SSCC can be "
                           "issued.")
        if exc.field.startswith("lines["):
            return gettext("An item of this order has no dimensions or weight in the product "
                           "data.")
    return gettext("Refused: %(reason)s") % {"reason": str(exc)}
