"""Carrier labels through karrio's SDK (the optional extra ``doorstep[carriers]``).

karrio (LGPL-3.0, used as a library) turns one shipment model into each carrier's own API
call and back.  This gateway only translates doorstep's ``LabelRequest`` into karrio's model
in the units karrio expects (kg and cm; the carrier's unit conversions stay karrio's), maps
doorstep's service names onto the carrier's, and turns karrio's messages into
``CarrierRefused`` with the carrier's own words.  Credentials arrive as a dict from settings
(``DOORSTEP_CARRIERS_FILE``) and are never logged: ``__repr__`` names only the carrier.

    LabelRequest ─► karrio.Shipment.create(...).from_(gateway).parse() ─► Label
    void         ─► karrio.Shipment.cancel(...).from_(gateway).parse()

Supported and tested against each carrier's documented request and response:
DHL Parcel DE (``dhl_parcel_de``), DPD (``dpd``), GLS (``gls``), UPS (``ups``).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

from doorstep.adapters.carriers.gls_shipit import read_created_shipment
from doorstep.domain.errors import InvalidValue
from doorstep.domain.packing.labelling import Address, CarrierRefused, Label, LabelRequest

# doorstep carrier name → (karrio carrier id, default karrio service, our service → theirs)
CARRIERS: dict[str, tuple[str, str, dict[str, str]]] = {
    "dhl": ("dhl_parcel_de", "dhl_parcel_de_paket",
            {"paket": "dhl_parcel_de_paket", "kleinpaket": "dhl_parcel_de_kleinpaket",
             "europaket": "dhl_parcel_de_europaket",
             "international": "dhl_parcel_de_paket_international"}),
    "dpd": ("dpd", "dpd_cl", {"classic": "dpd_cl", "express": "dpd_express_12h"}),
    "gls": ("gls", "gls_parcel", {"parcel": "gls_parcel", "express": "gls_express",
                                  "business": "gls_business_parcel"}),
    "ups": ("ups", "ups_standard", {"standard": "ups_standard",
                                    "express": "ups_worldwide_express",
                                    "saver": "ups_worldwide_saver"}),
}


# Carriers whose documented answer the installed karrio connector does not read (see
# docs/packing.md): karrio-gls 2026.1.32 builds GLS ShipIT's documented request but expects a
# response with shipmentId/trackingNumbers/labels, which ShipIT does not send.
DOCUMENTED_READERS: dict[str, Callable[[Any], Label | None]] = {"gls": read_created_shipment}
# DPD's ShipmentService 3.3 has no cancel operation: a label never handed over is not
# charged, so voiding only forgets it.
LOCAL_VOID = frozenset({"dpd"})


_HOUSE_NUMBER = re.compile(
    r"^(?P<street>.*?\D)\s+(?P<number>\d+\s?[a-zA-Z]?(?:[-/]\d+\s?[a-zA-Z]?)?)$")


def split_house_number(street: str) -> tuple[str, str]:
    """"Hauptstraße 5a" → ("Hauptstraße", "5a"); carriers want the number in its own field
    (karrio's DPD connector otherwise printed it twice: in the street and as houseNo)."""
    match = _HOUSE_NUMBER.match(street.strip())
    if match is None:
        return street.strip(), ""
    return match["street"].strip(), match["number"].replace(" ", "")


def _address(address: Address) -> Any:
    import karrio.core.models as models

    street, number = split_house_number(address.street)
    return models.Address(
        person_name=address.name, company_name=address.company or None,
        address_line1=street, street_number=number or None, postal_code=address.postcode,
        city=address.city, country_code=address.country, email=address.email or None,
        phone_number=address.phone or None, residential=not address.company)


def _dpd_units(request: Any, label: LabelRequest) -> Any:
    """DPD's documented units, which karrio-dpd 2026.1.32 gets wrong: ``weight`` is in
    decagrams (10 g, rounded up; karrio sent whole kilograms: 2.34 kg became 2) and
    ``volume`` is LLLWWWHHH in centimetres (karrio sent cubic metres as an integer: 0)."""
    import karrio.lib as lib

    decagrams = -(-label.weight_g // 10)
    volume = "".join(f"{min(999, -(-mm // 10)):03d}"
                     for mm in (label.length_mm, label.width_mm, label.height_mm))
    envelope = request.serialize()
    envelope = re.sub(r"<weight>[^<]*</weight>", f"<weight>{decagrams}</weight>", envelope,
                      count=1)
    envelope = re.sub(r"<volume>[^<]*</volume>", f"<volume>{volume}</volume>", envelope,
                      count=1)
    return lib.Serializable(envelope, lambda text: text, request.ctx)


# Corrections of karrio's request against the carrier's documented schema (tested).
REQUEST_FIXES: dict[str, Callable[[Any, LabelRequest], Any]] = {"dpd": _dpd_units}


class KarrioGateway:
    """One carrier account behind karrio."""

    def __init__(self, carrier: str, credentials: dict[str, Any]) -> None:
        if carrier not in CARRIERS:
            raise InvalidValue("carrier", f"{carrier!r} has no karrio connector here (one of "
                               f"{sorted(CARRIERS)})")
        try:
            import karrio.sdk as karrio
        except ImportError as exc:  # pragma: no cover - the extra is installed in tests
            raise InvalidValue("carrier", "karrio is not installed: pip install "
                               "'doorstep[carriers]'") from exc
        self.carrier = carrier
        self.karrio_id, self.default_service, self.services = CARRIERS[carrier]
        self._gateway = karrio.gateway[self.karrio_id].create(
            {"carrier_id": self.karrio_id, **credentials})

    def __repr__(self) -> str:
        return f"KarrioGateway({self.carrier!r})"

    def service_for(self, service: str) -> str:
        if not service:
            return self.default_service
        if service in self.services:
            return self.services[service]
        if service in self.services.values():
            return service
        raise InvalidValue("service", f"{self.carrier} has no service {service!r} (one of "
                           f"{sorted(self.services)})")

    def create(self, label_request: LabelRequest) -> Label:
        import karrio.core.models as models

        shipment = models.ShipmentRequest(
            service=self.service_for(label_request.service),
            shipper=_address(label_request.sender), recipient=_address(label_request.ship_to),
            parcels=[models.Parcel(
                weight=round(label_request.weight_g / 1000, 3), weight_unit="KG",
                length=round(label_request.length_mm / 10, 1),
                width=round(label_request.width_mm / 10, 1),
                height=round(label_request.height_mm / 10, 1), dimension_unit="CM",
                reference_number=label_request.sscc)],
            reference=label_request.reference,
            label_type="ZPL" if label_request.label_format == "zpl" else "PDF",
        )
        # karrio's steps one by one (request, HTTP call, reading) instead of its fail-safe
        # wrapper, so the carrier's documented answer stays in hand when karrio cannot read it
        from karrio.core.errors import ParsedMessagesError

        karrio_request = self._gateway.mapper.create_shipment_request(shipment)
        if self.carrier in REQUEST_FIXES:
            karrio_request = REQUEST_FIXES[self.carrier](karrio_request, label_request)
        try:
            response = self._gateway.proxy.create_shipment(karrio_request)
        except ParsedMessagesError as refused:  # e.g. the log-in before the call failed
            raise CarrierRefused(self.carrier, _words(refused.messages)) from None
        details, messages = self._gateway.mapper.parse_shipment_response(response)
        if (details is None or not details.tracking_number) and not messages:
            documented = DOCUMENTED_READERS.get(self.carrier)
            label = documented(response.deserialize()) if documented else None
            if label is not None:
                return label
        if details is None or not details.tracking_number:
            raise CarrierRefused(self.carrier, _words(messages) or ["no shipment returned"])
        label_b64 = details.docs.label if details.docs else None
        if not label_b64:
            raise CarrierRefused(self.carrier, ["the carrier returned no label"])
        meta = details.meta or {}
        numbers = tuple(str(n) for n in meta.get("tracking_numbers") or []
                        if str(n) != details.tracking_number)
        return Label(tracking_number=details.tracking_number,
                     label=base64.b64decode(label_b64),
                     label_format=(details.label_type or "PDF").lower().replace("zpl2", "zpl"),
                     shipment_id=details.shipment_identifier or details.tracking_number,
                     extra_tracking_numbers=numbers)

    def void(self, tracking_number: str, shipment_id: str) -> None:
        import karrio.core.models as models
        import karrio.lib as lib
        import karrio.sdk as karrio

        if self.carrier in LOCAL_VOID:
            return None  # nothing to tell the carrier (see LOCAL_VOID)
        if self.carrier == "gls":
            # karrio-gls 2026.1.32 has ShipIT's cancel call but no request builder for it
            answer = self._gateway.proxy.cancel_shipment(
                lib.Serializable(shipment_id or tracking_number)).deserialize()
            if not (isinstance(answer, dict) and answer.get("Result") == "OK"):
                raise CarrierRefused(self.carrier, [f"cancel not confirmed: {answer!r}"[:300]])
            return None
        cancel = models.ShipmentCancelRequest(shipment_identifier=shipment_id or tracking_number)
        confirmation, messages = karrio.Shipment.cancel(cancel).from_(self._gateway).parse()
        if confirmation is None or not confirmation.success:
            raise CarrierRefused(self.carrier, _words(messages) or ["void not confirmed"])


def _words(messages: list[Any]) -> list[str]:
    return [f"{m.code}: {m.message}" if m.code else str(m.message) for m in messages or []]
