"""The gateway for carriers without an API (and for tests): doorstep prints its own label.

The tracking number is the parcel's SSCC — the code the carrier scans at pick-up — and
voiding only forgets the label, as no carrier was told anything.
"""

from __future__ import annotations

from doorstep.adapters.documents.labels import LabelData, render_pdf, render_zpl
from doorstep.domain.packing.labelling import Address, Label, LabelRequest


def _lines(address: Address) -> tuple[str, ...]:
    lines = [address.company, address.name, address.street,
             f"{address.postcode} {address.city}", address.country]
    return tuple(line for line in lines if line.strip())


class OwnLabelGateway:
    def __init__(self, carrier: str) -> None:
        self.carrier = carrier

    def create(self, request: LabelRequest) -> Label:
        data = LabelData(request.sscc, _lines(request.sender), _lines(request.ship_to),
                         request.reference, request.weight_g, self.carrier.upper(),
                         request.tracking_url, request.parcel_no, request.parcel_count)
        if request.label_format == "zpl":
            return Label(request.sscc, render_zpl(data).encode("utf-8"), "zpl")
        return Label(request.sscc, render_pdf([data]), "pdf")

    def void(self, tracking_number: str, shipment_id: str) -> None:
        return None
