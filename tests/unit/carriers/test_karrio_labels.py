"""Labels through karrio: each carrier's documented answers replayed through karrio's HTTP layer.

For DHL Parcel DE, DPD, GLS and UPS the test checks the request doorstep builds against what
the carrier's documentation requires (addresses, weight in the carrier's unit, service), that
the label bytes stored are the PDF the carrier sent, that a void reaches the carrier, and that
a refusal surfaces as ``CarrierRefused`` carrying the carrier's own message.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from carrier_replay import CREDENTIALS, REQUEST, replay
from doorstep.adapters.carriers.karrio_gateway import KarrioGateway
from doorstep.domain.packing.labelling import CarrierRefused


def _body(call: dict[str, Any]) -> Any:
    data = call["data"]
    return json.loads(data) if isinstance(data, str) and data.lstrip().startswith("{") else data


def test_dhl_gets_kilograms_centimetres_iso3_countries_and_its_product_code() -> None:
    gateway = KarrioGateway("dhl", CREDENTIALS["dhl"])
    with replay("dhl_parcel_de", {"/token": "dhl_token.json",
                                  "/v2/orders": "dhl_create.json"}) as calls:
        label = gateway.create(REQUEST)
    [shipment] = _body(calls[-1])["shipments"]
    assert shipment["product"] == "V01PAK"  # DHL Paket
    assert shipment["details"]["weight"] == {"uom": "kg", "value": 2.34}
    assert shipment["details"]["dim"] == {"uom": "cm", "length": 40.0, "width": 30.0,
                                          "height": 20.0}
    assert shipment["consignee"]["country"] == "DEU"  # ISO 3166-1 alpha-3 per DHL's schema
    assert shipment["consignee"]["postalCode"] == "53113"
    assert shipment["shipper"]["name1"] == "Demo Shop GmbH"
    assert shipment["refNo"] == "ORD-1001"
    assert label.tracking_number == "340434310428091700"
    assert label.label.startswith(b"%PDF") and label.label_format == "pdf"


def test_gls_gets_its_shipit_shape_with_kilograms() -> None:
    gateway = KarrioGateway("gls", CREDENTIALS["gls"])
    with replay("gls", {"/oauth2": "dhl_token.json", "/rs/shipments": "gls_create.json"}
                ) as calls:
        label = gateway.create(REQUEST)
    body = _body(calls[-1])
    shipment = body["Shipment"]
    assert shipment["Product"] == "PARCEL"
    assert shipment["ShipmentUnit"][0]["Weight"] == 2.34
    consignee = shipment["Consignee"]["Address"]
    assert (consignee["CountryCode"], consignee["ZIPCode"]) == ("DE", "53113")
    assert label.tracking_number == "601079500843"
    assert label.shipment_id == "ZHO9AXAC"
    assert label.label.startswith(b"%PDF")


def test_ups_gets_kilograms_and_its_service_code() -> None:
    gateway = KarrioGateway("ups", CREDENTIALS["ups"])
    with replay("ups", {"/oauth/token": "ups_token.json", "/ship": "ups_create.json"}
                ) as calls:
        label = gateway.create(REQUEST)
    shipment = _body(calls[-1])["ShipmentRequest"]["Shipment"]
    assert shipment["Service"]["Code"] == "11"  # UPS Standard
    [package] = shipment["Package"]
    assert package["PackageWeight"]["UnitOfMeasurement"]["Code"] == "KGS"
    assert float(package["PackageWeight"]["Weight"]) == pytest.approx(2.34)
    assert shipment["ShipTo"]["Address"]["CountryCode"] == "DE"
    assert shipment["Shipper"]["ShipperNumber"] == "A1B2C3"
    assert label.tracking_number == "1ZXXXXXXXXXXXXXXXX"
    # UPS documents GIF/PNG/ZPL labels, not PDF: karrio turns the GIF into a PDF page
    assert label.label.startswith(b"%PDF") and label.label_format == "pdf"


def test_dpd_gets_a_soap_order_with_decagrams_and_returns_the_parcel_label_number() -> None:
    gateway = KarrioGateway("dpd", CREDENTIALS["dpd"])
    with replay("dpd", {"LoginService": "dpd_login.xml",
                        "ShipmentService": "dpd_create.xml"}) as calls:
        label = gateway.create(REQUEST)
    envelope = calls[-1]["data"]
    assert "<product>CL</product>" in envelope
    # DPD documents weight in decagrams and volume as LLLWWWHHH centimetres; karrio-dpd
    # 2026.1.32 sent <weight>2</weight> and <volume>0</volume> for this parcel
    assert "<weight>234</weight>" in envelope
    assert "<volume>040030020</volume>" in envelope
    assert "<zipCode>53113</zipCode>" in envelope and "<country>DE</country>" in envelope
    assert "<street>Kurt-Schumacher-Str.</street>" in envelope
    assert "<houseNo>20</houseNo>" in envelope
    assert label.tracking_number == "09981122330100"
    assert label.label.startswith(b"%PDF")


@pytest.mark.parametrize(("carrier", "karrio_id", "answers", "said"), [
    ("dhl", "dhl_parcel_de", {"/token": "dhl_token.json", "/v2/orders": "dhl_error.json"},
     "Postleitzahl konnte nicht gefunden werden"),
    ("gls", "gls", {"/oauth2": "dhl_token.json", "/rs/shipments": "gls_error.json"},
     "Invalid request parameters"),
    ("ups", "ups", {"/oauth/token": "ups_token.json", "/ship": "ups_error.json"},
     "Address Validation Error on ShipTo address"),
    ("dpd", "dpd", {"LoginService": "dpd_fault.xml"},
     "The combination of user and password is invalid"),
])
def test_a_refusal_carries_the_carriers_own_message(carrier: str, karrio_id: str,
                                                    answers: dict[str, str],
                                                    said: str) -> None:
    gateway = KarrioGateway(carrier, CREDENTIALS[carrier])
    with replay(karrio_id, answers), pytest.raises(CarrierRefused) as refused:
        gateway.create(REQUEST)
    assert said in str(refused.value)
    assert refused.value.carrier == carrier


@pytest.mark.parametrize(("carrier", "karrio_id", "answers", "url_part"), [
    ("dhl", "dhl_parcel_de", {"/token": "dhl_token.json", "/v2/orders": "dhl_cancel.json"},
     "shipment=340434310428091700"),
    ("gls", "gls", {"/oauth2": "dhl_token.json", "/rs/shipments/cancel/": "gls_cancel.json"},
     "/rs/shipments/cancel/ZHO9AXAC"),
    ("ups", "ups", {"/oauth/token": "ups_token.json", "/void/": "ups_void.json"},
     "/void/cancel/1ZXXXXXXXXXXXXXXXX"),
])
def test_a_void_reaches_the_carrier(carrier: str, karrio_id: str, answers: dict[str, str],
                                    url_part: str) -> None:
    gateway = KarrioGateway(carrier, CREDENTIALS[carrier])
    shipment_id = {"dhl": "340434310428091700", "gls": "ZHO9AXAC",
                   "ups": "1ZXXXXXXXXXXXXXXXX"}[carrier]
    with replay(karrio_id, answers) as calls:
        gateway.void(shipment_id, shipment_id)
    assert any(url_part in call["url"] for call in calls)


def test_a_dpd_void_tells_no_one_because_dpd_has_no_cancel_operation() -> None:
    gateway = KarrioGateway("dpd", CREDENTIALS["dpd"])
    with replay("dpd", {}) as calls:
        gateway.void("09981122330100", "MPS0998091234567820261201")
    assert calls == []


def test_a_house_number_gets_its_own_field() -> None:
    from doorstep.adapters.carriers.karrio_gateway import split_house_number

    assert split_house_number("Hauptstraße 5a") == ("Hauptstraße", "5a")
    assert split_house_number("Kurt-Schumacher-Str. 20") == ("Kurt-Schumacher-Str.", "20")
    assert split_house_number("Am Markt 3-5") == ("Am Markt", "3-5")
    assert split_house_number("Postfach") == ("Postfach", "")


def test_credentials_never_show_in_the_gateways_repr() -> None:
    gateway = KarrioGateway("dhl", CREDENTIALS["dhl"])
    assert "SandboxPasswort" not in repr(gateway) and "dhl" in repr(gateway)


@pytest.mark.parametrize(("carrier", "karrio_id", "answers"), [
    ("dhl", "dhl_parcel_de", {"/token": "dhl_token.json", "/v2/orders": "dhl_create.json"}),
    ("dhl", "dhl_parcel_de", {"/token": "dhl_token.json", "/v2/orders": "dhl_error.json"}),
    ("gls", "gls", {"/oauth2": "dhl_token.json", "/rs/shipments": "gls_create.json"}),
    ("ups", "ups", {"/oauth/token": "ups_token.json", "/ship": "ups_create.json"}),
    ("dpd", "dpd", {"LoginService": "dpd_login.xml", "ShipmentService": "dpd_create.xml"}),
    ("dpd", "dpd", {"LoginService": "dpd_fault.xml"}),
])
def test_credentials_never_reach_a_log_or_a_refusal(
        carrier: str, karrio_id: str, answers: dict[str, str],
        caplog: pytest.LogCaptureFixture) -> None:
    """Every record at any level, from the standard logging tree and from karrio's loguru
    logger, of a label created or refused — none carries a password or secret."""
    from loguru import logger

    lines: list[str] = []
    sink = logger.add(lambda message: lines.append(str(message)), level="TRACE")
    caplog.set_level("DEBUG")
    try:
        with replay(karrio_id, answers):
            try:
                KarrioGateway(carrier, CREDENTIALS[carrier]).create(REQUEST)
            except CarrierRefused as refused:
                lines.append(str(refused))
    finally:
        logger.remove(sink)
    written = "\n".join(lines) + caplog.text
    secrets = [v for k, v in CREDENTIALS[carrier].items()
               if k in ("password", "client_secret") and isinstance(v, str)]
    assert secrets and not [s for s in secrets if s in written]
