"""Goods in end to end over HTTP: PO, advice (early and replaced), scan, count, hold,
putaway that releases a backorder, RECADV, and the signed supplier webhook."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client, drain, order
from sqlalchemy import Engine, select

from doorstep.adapters.db.receiving_tables import supplier_items
from doorstep.adapters.db.tables import orders
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.webhook_signatures import sign
from doorstep.domain.errors import InvalidValue
from doorstep.services import source_secrets
from doorstep.services.intake import accept_order
from doorstep.services.purchase_orders import ensure_supplier
from doorstep.services.receiving import receive
from doorstep.services.sites import DEMO_LAYOUT

GLN = "4000001000005"
SECRETS: dict[str, str] = {}
PEN_SSCC = "340000010000000013"
HEADER = ("advice_number,po_number,supplier_gln,despatched_at,function,line_no,sscc,gtin,"
          "quantity,unit,lot,best_before,weight_kg\n")


def advice_csv(*, function: str = "original", mug: int = 2, number: str = "ASN1") -> str:
    return (HEADER + f"{number},PO1,{GLN},,{function},1,{PEN_SSCC},4006381333931,1,case,,,\n"
            f"{number},PO1,{GLN},,{function},2,{PEN_SSCC},4012345000016,{mug},each,,,\n")


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with transaction(stocked, write=True) as conn:
        ensure_supplier(conn, GLN, "Pens & Mugs Ltd")
        conn.execute(supplier_items.insert(), [
            {"gln": GLN, "sku": "PEN", "case_qty": 12},
            {"gln": GLN, "sku": "MUG", "case_qty": 6}])
        SECRETS["asn-csv"] = source_secrets.issue(conn, "supplier:asn-csv", created_by="test")
    with api_client(stocked, layout_path=str(DEMO_LAYOUT)) as c:
        yield c


def put_po(client: TestClient) -> dict:  # type: ignore[type-arg]
    r = client.put("/v1/purchase-orders/PO1", json={
        "supplier_gln": GLN, "warehouse": "BER",
        "lines": [{"sku": "PEN", "quantity": 1, "unit": "case"},
                  {"gtin": "4012345000016", "quantity": 2}]})
    assert r.status_code == 201, r.text
    return r.json()


def test_an_advice_before_its_po_waits_and_is_checked_when_the_po_arrives(
        client: TestClient) -> None:
    r = client.post("/v1/advices?profile=asn-csv", content=advice_csv())
    (advice,) = r.json()["advices"]
    assert advice["status"] == "waiting"
    assert put_po(client)["advices_processed"] == 1
    view = client.get(f"/v1/advices/{advice['id']}").json()
    assert view["status"] == "open"
    assert [(ln["sku"], ln["units"], ln["findings"]) for ln in view["lines"]] == [
        ("PEN", 12, []), ("MUG", 2, [])]


def test_a_bad_supplier_gln_on_a_po_is_refused_naming_the_field(client: TestClient) -> None:
    r = client.put("/v1/purchase-orders/PO9", json={
        "supplier_gln": "4000001000006", "warehouse": "BER",
        "lines": [{"sku": "PEN", "quantity": 1}]})
    assert r.status_code == 422 and "supplier_gln" in r.text


def test_a_replacement_replaces_the_advice_whole_and_a_changed_repeat_is_a_conflict(
        client: TestClient) -> None:
    put_po(client)
    first = client.post("/v1/advices?profile=asn-csv", content=advice_csv()).json()
    again = client.post("/v1/advices?profile=asn-csv", content=advice_csv()).json()
    assert again["advices"][0].get("duplicate") is True
    changed = client.post("/v1/advices?profile=asn-csv", content=advice_csv(mug=1)).json()
    assert changed["advices"][0]["status"] == "conflict"
    assert changed["advices"][0]["findings"][0]["code"] == "advice_changed"
    replaced = client.post("/v1/advices?profile=asn-csv",
                           content=advice_csv(function="replace", mug=1)).json()
    assert replaced["advices"][0]["status"] == "open"
    old = client.get(f"/v1/advices/{first['advices'][0]['id']}").json()
    assert old["status"] == "replaced"
    assert old["replaced_by"] == replaced["advices"][0]["id"]


def test_scan_count_hold_decide_put_away_and_the_backorder_is_allocated(
        client: TestClient, stocked: Engine) -> None:
    put_po(client)
    accept_order(stocked, order("B1", ("PEN", 15)), "k-b1")  # 8 pens on hand: backordered
    drain(stocked)
    advice = client.post("/v1/advices?profile=asn-csv", content=advice_csv()).json()
    advice_id = advice["advices"][0]["id"]
    scanned = client.get(f"/v1/receiving/scan/{PEN_SSCC}").json()
    pen, mug = scanned["lines"]
    r = client.post(f"/v1/advices/{advice_id}/receive", json={"sscc": PEN_SSCC, "counts": [
        {"line_id": pen["id"], "counted": 12}, {"line_id": mug["id"], "counted": 1,
                                                "damaged": 1}]})
    outcome = r.json()
    assert [(x["sku"], x["quantity"]) for x in outcome["received"]] == [("PEN", 12), ("MUG", 1)]
    assert sorted(tuple(h["reasons"]) for h in outcome["held"]) == [("damaged",)]
    held = client.get("/v1/receiving/holds").json()["holds"]
    assert held[0]["original"]["gtin"] == "4012345000016"
    # nothing received is available yet: the backorder still waits
    assert client.get("/v1/stock/PEN").json()["on_hand"] == 8
    area_id = outcome["received"][0]["area_id"]
    suggestion = client.get(f"/v1/receiving/area/{area_id}/putaway").json()
    assert suggestion["suggested_location"] is not None
    done = client.post(f"/v1/receiving/area/{area_id}/putaway",
                       json={"location": "P-01-001-1-1"})
    assert done.status_code == 200
    drain(stocked)
    with stocked.connect() as conn:
        status = conn.execute(select(orders.c.status).where(orders.c.external_id == "B1"))
        assert status.scalar() == "allocated"
    decision = client.post(f"/v1/receiving/holds/{held[0]['id']}/decision",
                           json={"action": "write_off", "note": "broken handle"}).json()
    assert decision["status"] == "written_off"
    assert [a["action"] for a in decision["audit"]] == ["hold", "write_off"]
    recadv = client.get(f"/v1/advices/{advice_id}/recadv").json()
    assert recadv["lines"][1]["damaged"] == 1 and "damaged" in recadv["lines"][1]["reasons"]
    assert client.get("/v1/purchase-orders/PO1").json()["status"] == "partly_received"


def test_accepting_a_hold_needs_a_note(client: TestClient) -> None:
    put_po(client)
    advice_id = client.post("/v1/advices?profile=asn-csv",
                            content=advice_csv(mug=3)).json()["advices"][0]["id"]
    out = client.post(f"/v1/advices/{advice_id}/receive", json={}).json()
    (hold,) = out["held"]
    assert hold["reasons"] == ["over_delivery"]
    r = client.post(f"/v1/receiving/holds/{hold['hold_id']}/decision",
                    json={"action": "accept"})
    assert r.status_code == 422 and "note" in r.text
    ok = client.post(f"/v1/receiving/holds/{hold['hold_id']}/decision",
                     json={"action": "accept", "note": "keep the extra mug"}).json()
    assert ok["status"] == "accepted"


def test_the_supplier_webhook_needs_the_sources_signature(client: TestClient) -> None:
    put_po(client)
    body = advice_csv().encode()
    bad = client.post("/v1/webhooks/supplier/asn-csv", content=body,
                      headers={"X-Doorstep-Signature": sign("wrong", body)})
    assert bad.status_code == 401
    good = client.post("/v1/webhooks/supplier/asn-csv", content=body,
                       headers={"X-Doorstep-Signature": sign(SECRETS["asn-csv"], body)})
    assert good.status_code == 201 and good.json()["advices"][0]["status"] == "open"


def test_confirming_an_unknown_gtin_holds_its_advised_units_and_zero_counted_is_missing(
        client: TestClient) -> None:
    put_po(client)
    body = (HEADER + f"A9,PO1,{GLN},,original,1,{PEN_SSCC},4000001000036,5,each,,,\n"
            f"A9,PO1,{GLN},,original,2,{PEN_SSCC},4012345000016,2,each,,,\n")
    advice_id = client.post("/v1/advices?profile=asn-csv", content=body).json()["advices"][0]["id"]
    lines = client.get(f"/v1/advices/{advice_id}").json()["lines"]
    out = client.post(f"/v1/advices/{advice_id}/receive", json={"counts": [
        {"line_id": lines[0]["id"], "counted": 5}, {"line_id": lines[1]["id"], "counted": 0}]})
    (hold,) = out.json()["held"]
    assert (hold["quantity"], hold["reasons"]) == (5, ["unknown_gtin"])
    statuses = [ln["status"] for ln in client.get(f"/v1/advices/{advice_id}").json()["lines"]]
    assert statuses == ["held", "missing"]


def test_a_closed_po_expects_nothing_more(client: TestClient) -> None:
    put_po(client)
    closed = client.post("/v1/purchase-orders/PO1/close").json()
    assert closed["status"] == "closed"
    advice = client.post("/v1/advices?profile=asn-csv", content=advice_csv()).json()
    view = client.get(f"/v1/advices/{advice['advices'][0]['id']}").json()
    assert all("over_delivery" in {f["code"] for f in ln["findings"]} for ln in view["lines"])
    listed = client.get("/v1/advices?po_number=PO1").json()["advices"]
    assert [a["id"] for a in listed] == [view["id"]]


def test_a_wrong_gtin_is_corrected_to_the_right_sku_and_audited(client: TestClient) -> None:
    put_po(client)
    body = HEADER + f"A7,PO1,{GLN},,original,1,{PEN_SSCC},4000001000036,2,each,,,\n"
    advice_id = client.post("/v1/advices?profile=asn-csv", content=body).json()["advices"][0]["id"]
    (hold,) = client.post(f"/v1/advices/{advice_id}/receive", json={}).json()["held"]
    corrected = client.post(f"/v1/receiving/holds/{hold['hold_id']}/decision", json={
        "action": "correct", "sku": "MUG", "note": "label misprinted, these are mugs"}).json()
    assert (corrected["status"], corrected["sku"]) == ("corrected", "MUG")
    assert corrected["audit"][-1]["data"] == {"quantity": 2, "sku": "MUG"}
    assert client.get("/v1/purchase-orders/PO1").json()["lines"][1]["received_units"] == 2


def test_two_desks_receiving_one_package_put_it_into_stock_once(
        client: TestClient, stocked: Engine) -> None:
    """Desk 2 scans the package while desk 1's receipt is not committed yet: desk 2 waits
    for the line, finds it taken and is refused; the PO counts the pens once."""
    put_po(client)
    advice_id = client.post("/v1/advices?profile=asn-csv",
                            content=advice_csv()).json()["advices"][0]["id"]
    outcome: list[str] = []

    def desk_two() -> None:
        try:
            with transaction(stocked, write=True) as conn:
                receive(conn, advice_id, None, actor="desk-2", sscc=PEN_SSCC)
            outcome.append("received")
        except InvalidValue:
            outcome.append("refused")

    with transaction(stocked, write=True) as conn:
        receive(conn, advice_id, None, actor="desk-1", sscc=PEN_SSCC)
        other = threading.Thread(target=desk_two)
        other.start()
        other.join(timeout=0.5)  # let desk 2 reach the line while desk 1 still holds it
    other.join(timeout=60)
    assert outcome == ["refused"]
    lines = client.get("/v1/purchase-orders/PO1").json()["lines"]
    assert [ln["received_units"] for ln in lines] == [12, 2]


def test_an_advice_without_a_po_number_is_kept_as_invalid_and_cannot_be_received(
        client: TestClient) -> None:
    body = HEADER + f"A8,,{GLN},,original,1,{PEN_SSCC},4006381333931,1,case,,,\n"
    (advice,) = client.post("/v1/advices?profile=asn-csv", content=body).json()["advices"]
    assert advice["status"] == "invalid"
    assert [f["field"] for f in advice["findings"]] == ["po_number"]
    assert client.get(f"/v1/receiving/scan/{PEN_SSCC}").status_code == 404
    assert client.get("/v1/advices?status=invalid").json()["advices"][0]["number"] == "A8"


def test_a_package_received_with_another_advice_meanwhile_is_held_at_the_desk(
        client: TestClient) -> None:
    put_po(client)
    first = client.post("/v1/advices?profile=asn-csv",
                        content=advice_csv(number="ASN1")).json()["advices"][0]["id"]
    second = client.post("/v1/advices?profile=asn-csv",
                         content=advice_csv(number="ASN2")).json()["advices"][0]["id"]
    client.post(f"/v1/advices/{first}/receive", json={"sscc": PEN_SSCC})
    out = client.post(f"/v1/advices/{second}/receive", json={}).json()
    assert out["received"] == []
    assert all("sscc_already_received" in h["reasons"] for h in out["held"])


ACME = """\
# A supplier's own export: semicolons, German column names, cartons.
name: acme-lieferavis
kind: asn
format: csv
csv: {delimiter: ";"}
fields:
  advice_number: {path: Avisnummer, required: true}
  po_number: Bestellnummer
  supplier_gln: {path: Lieferant, required: true}
collections:
  lines:
    path: "."
    fields:
      gtin: {path: EAN, required: true}
      quantity: {path: Menge, type: decimal, required: true}
      unit: {path: Einheit, vocabulary: einheit}
      sscc: NVE
vocabularies:
  einheit: {unknown: unknown, values: {Stk: each, Kart: case}}
"""


def test_a_new_supplier_is_a_profile_in_the_profiles_folder(stocked: Engine,
                                                            tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path)) / "profiles" / "asn"
    folder.mkdir(parents=True)
    (folder / "acme-lieferavis.yaml").write_text(ACME)
    with transaction(stocked, write=True) as conn:
        ensure_supplier(conn, GLN)
        conn.execute(supplier_items.insert(), [{"gln": GLN, "sku": "PEN", "case_qty": 12}])
    with api_client(stocked, profiles_dir=str(folder.parent)) as c:
        put_po(c)
        body = ("Avisnummer;Bestellnummer;Lieferant;EAN;Menge;Einheit;NVE\n"
                f"L-1;PO1;{GLN};4006381333931;1;Kart;{PEN_SSCC}\n")
        r = c.post("/v1/advices?profile=acme-lieferavis", content=body.encode())
        assert r.status_code == 201, r.text
        view = c.get(f"/v1/advices/{r.json()['advices'][0]['id']}").json()
        assert (view["lines"][0]["sku"], view["lines"][0]["units"]) == ("PEN", 12)
        assert c.post("/v1/advices?profile=nobody", content=b"x").status_code == 404


def test_supplier_secrets_are_issued_revoked_and_carried_over_by_the_sources_cli(
        client: TestClient, stocked: Engine) -> None:
    from typer.testing import CliRunner

    from doorstep.entrypoints.cli import app as cli

    put_po(client)
    db = ["--db", str(stocked.url)]
    issued = CliRunner().invoke(cli, ["sources", "secret", "--supplier", "epcis-json", *db])
    assert issued.exit_code == 0, issued.output
    secret = issued.output.strip().splitlines()[-1]
    body = b'{"epcisBody": {"eventList": []}}'
    ok = client.post("/v1/webhooks/supplier/epcis-json", content=body,
                     headers={"X-Doorstep-Signature": sign(secret, body)})
    assert ok.status_code != 401
    revoked = CliRunner().invoke(cli, ["sources", "revoke", "--supplier", "epcis-json",
                                       "--all", *db])
    assert revoked.exit_code == 0, revoked.output
    gone = client.post("/v1/webhooks/supplier/epcis-json", content=body,
                       headers={"X-Doorstep-Signature": sign(secret, body)})
    assert gone.status_code == 401
    unknown = CliRunner().invoke(cli, ["sources", "secret", "--supplier", "nobody", *db])
    assert unknown.exit_code != 0 and "nobody" in unknown.output


def test_metrics_show_open_holds_by_reason_and_units_waiting_for_putaway(
        client: TestClient) -> None:
    put_po(client)
    advice_id = client.post("/v1/advices?profile=asn-csv",
                            content=advice_csv(mug=3)).json()["advices"][0]["id"]
    client.post(f"/v1/advices/{advice_id}/receive", json={})
    text = client.get("/metrics").text
    assert 'doorstep_receiving_holds{reason="over_delivery"} 1.0' in text
    assert "doorstep_receiving_area_units 12.0" in text
    assert 'doorstep_advices{status="received"} 1.0' in text
