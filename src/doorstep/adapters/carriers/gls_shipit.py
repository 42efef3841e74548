"""GLS ShipIT's documented shipment answer, read by doorstep.

ShipIT answers ``POST /rs/shipments`` with::

    {"CreatedShipment": {"ParcelData": [{"TrackID": …, "ParcelNumber": …}, …],
                         "PrintData": [{"Data": base64, "LabelFormat": "PDF"|"ZPL"}, …], …}}

The parcel number is what GLS's tracking shows; the TrackID is what cancelling takes.  Used
only when karrio's GLS connector cannot read the answer (karrio_gateway.DOCUMENTED_READERS).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from doorstep.domain.packing.labelling import Label


def read_created_shipment(answer: Any) -> Label | None:
    """The label in a ShipIT ``CreatedShipment`` answer, or None if it is not one."""
    if not isinstance(answer, dict) or not isinstance(answer.get("CreatedShipment"), dict):
        return None
    created = answer["CreatedShipment"]
    parcels = [p for p in created.get("ParcelData") or [] if isinstance(p, dict)]
    prints = [p for p in created.get("PrintData") or [] if isinstance(p, dict)]
    if not parcels or not prints or not parcels[0].get("ParcelNumber"):
        return None
    try:
        label = base64.b64decode(str(prints[0].get("Data", "")), validate=True)
    except (binascii.Error, ValueError):
        return None
    return Label(tracking_number=str(parcels[0]["ParcelNumber"]), label=label,
                 label_format=str(prints[0].get("LabelFormat", "PDF")).lower(),
                 shipment_id=str(parcels[0].get("TrackID") or parcels[0]["ParcelNumber"]),
                 extra_tracking_numbers=tuple(str(p["ParcelNumber"]) for p in parcels[1:]
                                              if p.get("ParcelNumber")))
