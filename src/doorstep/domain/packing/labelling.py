"""What a carrier gateway takes and gives: one contract for karrio's carriers and our own label.

    LabelRequest ──► CarrierGateway.create ──► Label (tracking numbers, label bytes, format)
    (tracking number, shipment id) ──► CarrierGateway.void

A gateway raises ``CarrierRefused`` with the carrier's own message when the carrier says no;
the packing service then records nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from doorstep.domain.errors import DomainError


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    street: str
    postcode: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    company: str = ""
    email: str = ""
    phone: str = ""


@dataclass(frozen=True, slots=True)
class LabelRequest:
    sscc: str
    reference: str  # the order number printed on the label
    ship_to: Address
    sender: Address
    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int
    service: str = ""
    parcel_no: int = 1
    parcel_count: int = 1
    tracking_url: str | None = None
    label_format: str = "pdf"  # "pdf" or "zpl"


@dataclass(frozen=True, slots=True)
class Label:
    tracking_number: str
    label: bytes
    label_format: str
    shipment_id: str = ""
    extra_tracking_numbers: tuple[str, ...] = field(default_factory=tuple)


class CarrierRefused(DomainError):
    """The carrier refused the request; ``messages`` are the carrier's own words."""

    def __init__(self, carrier: str, messages: list[str]) -> None:
        super().__init__(f"{carrier} refused: " + "; ".join(messages))
        self.carrier = carrier
        self.messages = messages


class CarrierGateway(Protocol):
    carrier: str

    def create(self, request: LabelRequest) -> Label: ...

    def void(self, tracking_number: str, shipment_id: str) -> None: ...
