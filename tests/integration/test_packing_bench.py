"""The packing bench over HTTP, on SQLite and PostgreSQL: from picked units to the carrier's van."""

from __future__ import annotations

from typing import Any

import pypdfium2
import zxingcpp
from fastapi.testclient import TestClient
from httpx import Response
from order_builders import api_client, drain, order
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.domain.packing.sscc import is_valid_sscc
from doorstep.services import order_flow
from doorstep.services.intake import accept_order

SETTINGS = {"gs1_company_prefix": "4012345",
            "sender_address": "Demo Shop GmbH|Lagerstraße 1|10115|Berlin|DE"}
CARTONS = {
    "S": {"length_mm": 200, "width_mm": 150, "height_mm": 120, "tare_g": 90,
          "max_load_g": 5000, "cost": "0.45"},
    "L": {"length_mm": 400, "width_mm": 300, "height_mm": 250, "tare_g": 300,
          "max_load_g": 20000, "cost": "1.20"},
}


def _picked_order(engine: Engine, external_id: str, *lines: tuple[str, int]) -> str:
    order_id = accept_order(engine, order(external_id, *lines), f"k-{external_id}").order_id
    drain(engine)
    with transaction(engine, write=True) as conn:
        for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all):
            step(conn, order_id, actor="t")
    return order_id


def _with_cartons(client: TestClient) -> None:
    for code, body in CARTONS.items():
        assert client.put(f"/v1/warehouses/BER/cartons/{code}", json=body).status_code == 200


def _labelled(client: TestClient, order_id: str) -> tuple[dict[str, Any], Response]:
    """Pack the order into one parcel, weigh it at its expected weight, print its label."""
    _with_cartons(client)
    [parcel] = client.post("/v1/parcels", json={"order_id": order_id}).json()["parcels"]
    assert client.post(f"/v1/parcels/{parcel['id']}/weight",
                       json={"grams": parcel["expected_weight_g"]}).json()["ok"]
    label = client.post(f"/v1/parcels/{parcel['id']}/label")
    assert label.status_code == 200, label.text
    return parcel, label


def test_an_order_goes_from_picked_to_handed_over_through_the_bench(stocked: Engine) -> None:
    order_id = _picked_order(stocked, "PACK-1", ("PEN", 2), ("MUG", 1))
    with api_client(stocked, **SETTINGS) as client:
        _with_cartons(client)
        suggestion = client.get(f"/v1/orders/{order_id}/pack-suggestion").json()
        assert [p["carton"] for p in suggestion["parcels"]] == ["S"]
        assert sorted(suggestion["parcels"][0]["items"]) == ["MUG", "PEN", "PEN"]

        packed = client.post("/v1/parcels", json={"order_id": order_id})
        assert packed.status_code == 201, packed.text
        [parcel] = packed.json()["parcels"]
        assert is_valid_sscc(parcel["sscc"])
        assert parcel["expected_weight_g"] == 90 + 2 * 12 + 350
        assert client.get(f"/v1/orders/{order_id}").json()["status"] == "packed"

        light = client.post(f"/v1/parcels/{parcel['id']}/weight", json={"grams": 110}).json()
        assert light["verdict"] == "missing_item" and light["suspects"] == ["MUG"]
        refused = client.post(f"/v1/parcels/{parcel['id']}/label")
        assert refused.status_code == 409
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert "held" in refused.json()["detail"]

        ok = client.post(f"/v1/parcels/{parcel['id']}/weight", json={"grams": 470}).json()
        assert ok["ok"] is True
        label = client.post(f"/v1/parcels/{parcel['id']}/label")
        assert label.status_code == 200 and label.headers["content-type"] == "application/pdf"
        page = pypdfium2.PdfDocument(label.content)[0].render(scale=3).to_pil()
        codes = {r.format: r.text for r in zxingcpp.read_barcodes(page)}
        assert codes[zxingcpp.BarcodeFormat.Code128] == f"(00){parcel['sscc']}"

        manifest = client.post("/v1/manifests", json={"carrier": "dhl"})
        assert manifest.status_code == 201, manifest.text
        assert [p["sscc"] for p in manifest.json()["parcels"]] == [parcel["sscc"]]

        scan = client.post("/v1/handover", json={"code": "00" + parcel["sscc"]})
        assert scan.status_code == 200, scan.text
        assert scan.json()["shipped"][0]["order_status"] == "shipped"
        view = client.get(f"/v1/orders/{order_id}").json()
        assert view["status"] == "shipped"
        kinds = [e["type"] for e in view["timeline"]]
        for kind in ("parcel_held", "parcel_weighed", "parcel_labelled", "shipped"):
            assert kind in kinds
        again = client.post("/v1/handover", json={"code": parcel["sscc"]})
        assert again.status_code == 409


def test_a_two_parcel_order_ships_partially_then_whole(stocked: Engine) -> None:
    order_id = _picked_order(stocked, "PACK-2", ("MUG", 2))
    with api_client(stocked, **SETTINGS) as client:
        client.put("/v1/warehouses/BER/cartons/XS", json={
            "length_mm": 130, "width_mm": 100, "height_mm": 110, "tare_g": 50,
            "max_load_g": 1000, "cost": "0.30"})
        parcels = client.post("/v1/parcels",
                              json={"order_id": order_id, "cartons": ["XS"]}).json()["parcels"]
        assert len(parcels) == 2
        for p in parcels:
            assert client.post(f"/v1/parcels/{p['id']}/weight",
                               json={"grams": 400}).json()["ok"]
            assert client.post(f"/v1/parcels/{p['id']}/label?format=zpl").status_code == 200
        first = client.post("/v1/handover", json={"code": parcels[0]["sscc"]}).json()
        assert first["shipped"][0]["order_status"] == "partially_shipped"
        second = client.post("/v1/handover", json={"code": parcels[1]["sscc"]}).json()
        assert second["shipped"][0]["order_status"] == "shipped"


def test_a_held_parcel_goes_on_only_with_an_operators_note(stocked: Engine) -> None:
    order_id = _picked_order(stocked, "PACK-3", ("MUG", 1))
    with api_client(stocked, **SETTINGS) as client:
        _with_cartons(client)
        [parcel] = client.post("/v1/parcels", json={"order_id": order_id}).json()["parcels"]
        held = client.post(f"/v1/parcels/{parcel['id']}/weight", json={"grams": 2000}).json()
        assert held["verdict"] == "wrong_item_or_master_data"
        assert client.post(f"/v1/parcels/{parcel['id']}/accept",
                           json={"note": ""}).status_code == 422
        accepted = client.post(f"/v1/parcels/{parcel['id']}/accept",
                               json={"note": "mug with gift box, master data wrong"})
        assert accepted.json()["status"] == "checked"
        assert client.post(f"/v1/parcels/{parcel['id']}/label").status_code == 200
        assert client.post(f"/v1/parcels/{parcel['id']}/void").json()["status"] == "checked"


def test_packing_names_what_is_missing(stocked: Engine) -> None:
    order_id = _picked_order(stocked, "PACK-4", ("PEN", 1))
    with api_client(stocked) as client:
        none = client.get(f"/v1/orders/{order_id}/pack-suggestion")
        assert none.status_code == 422
        assert "no carton types" in none.json()["detail"]
        _with_cartons(client)
        refused = client.post("/v1/parcels", json={"order_id": order_id})
        assert refused.status_code == 422
        assert refused.json()["errors"][0]["field"] == "gs1_company_prefix"
        assert client.post("/v1/handover", json={"code": "M999"}).status_code == 404
        unknown = client.post("/v1/parcels", json={"order_id": order_id, "cartons": ["Q"]})
        assert unknown.status_code == 422


def _pdf_text(content: bytes) -> str:
    document = pypdfium2.PdfDocument(content)
    return "\n".join(page.get_textpage().get_text_range() for page in document)


def test_the_slip_of_a_partial_shipment_says_what_is_still_to_come(stocked: Engine) -> None:
    order_id = _picked_order(stocked, "SLIP-1", ("MUG", 2), ("PEN", 1))
    with api_client(stocked, **SETTINGS) as client:
        client.put("/v1/warehouses/BER/cartons/XS", json={
            "length_mm": 150, "width_mm": 130, "height_mm": 110, "tare_g": 50,
            "max_load_g": 1000, "cost": "0.30"})
        parcels = client.post("/v1/parcels",
                              json={"order_id": order_id, "cartons": ["XS"]}).json()["parcels"]
        assert len(parcels) == 2
        german = client.get(f"/v1/parcels/{parcels[0]['id']}/packing-slip?lang=de")
        assert german.headers["content-type"] == "application/pdf"
        text = _pdf_text(german.content)
        assert "Lieferschein" in text and "SLIP-1" in text and "Folgt" in text
        assert "Nicht alles ist in diesem Paket" in text
        assert "Ada Lovelace" in text
        english = _pdf_text(client.get(f"/v1/parcels/{parcels[1]['id']}/packing-slip",
                                       headers={"Accept-Language": "en-GB"}).content)
        assert "Packing slip" in english
        assert "Your order is complete with this parcel." in english
        assert "You may return articles within 14 days" in english

        for p in parcels:
            client.post(f"/v1/parcels/{p['id']}/weight", json={"grams": p["expected_weight_g"]})
            client.post(f"/v1/parcels/{p['id']}/label")
        manifest = client.post("/v1/manifests", json={"carrier": "dhl"}).json()
        sheet = _pdf_text(client.get(f"/v1/manifests/{manifest['id']}/pdf?lang=de").content)
        assert "Übergabeliste" in sheet and f"M{manifest['id']}" in sheet
        for p in parcels:
            assert p["sscc"] in sheet
        assert "Pakete: 2" in sheet


def test_a_labelled_parcel_left_behind_shows_on_the_watchlist(stocked: Engine) -> None:
    from datetime import timedelta

    from doorstep.services.events import utcnow
    from doorstep.services.watchlist import WatchlistService

    order_id = _picked_order(stocked, "LEFT-1", ("MUG", 1))
    with api_client(stocked, **SETTINGS) as client:
        parcel, _label = _labelled(client, order_id)
    service = WatchlistService(stocked, timezone="Europe/Berlin", country="DE")
    with stocked.connect() as conn:
        later = service.flags(conn, model=None, now=utcnow() + timedelta(days=4))
    left = [f for f, _ in later if f.category.value == "labelled_not_handed_over"]
    assert [f.order_id for f in left] == [order_id]
    assert left[0].tracking_number == parcel["sscc"]


def test_the_own_labels_qr_code_opens_the_link_the_merchant_configured(
        stocked: Engine) -> None:
    """``label_tracking_url`` with the shop's order reference (quoted) and the SSCC."""
    order_id = _picked_order(stocked, "QR 1/2", ("MUG", 1))
    link = "https://shop.example/account/orders/{reference}?parcel={sscc}"
    with api_client(stocked, label_tracking_url=link, **SETTINGS) as client:
        parcel, label = _labelled(client, order_id)
    page = pypdfium2.PdfDocument(label.content)[0].render(scale=3).to_pil()
    codes = {r.format: r.text for r in zxingcpp.read_barcodes(page)}
    assert codes[zxingcpp.BarcodeFormat.QRCode] == (
        f"https://shop.example/account/orders/QR%201%2F2?parcel={parcel['sscc']}")


def test_without_a_configured_link_the_own_label_has_no_qr_code(stocked: Engine) -> None:
    order_id = _picked_order(stocked, "QR-NONE", ("MUG", 1))
    with api_client(stocked, **SETTINGS) as client:
        _parcel, label = _labelled(client, order_id)
    page = pypdfium2.PdfDocument(label.content)[0].render(scale=3).to_pil()
    formats = {r.format for r in zxingcpp.read_barcodes(page)}
    assert formats == {zxingcpp.BarcodeFormat.Code128}
