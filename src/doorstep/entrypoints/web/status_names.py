"""Order statuses as readers see them: one set of names for the cockpit and the packing bench.

The texts live in ``ops.po`` (de, en); pages translate them with ``_(STATUS_NAMES[s])``.
"""

from __future__ import annotations

from doorstep.entrypoints.web.i18n import N_

STATUS_NAMES = {
    "received": N_("received"), "allocated": N_("allocated"),
    "backordered": N_("backordered"), "released": N_("released"),
    "picking": N_("picking"), "packed": N_("packed"),
    "partially_shipped": N_("partially shipped"), "shipped": N_("shipped"),
    "delivered": N_("delivered"), "cancelled": N_("cancelled"),
}
