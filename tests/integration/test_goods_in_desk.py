"""Goods in from the terminal and the master data behind the checks: supplier tolerances
over HTTP, the receiving desk commands, and a slotting plan measured on real orders."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client, drain, order
from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.cli import app as cli
from doorstep.services import catalogue, stock_ledger
from doorstep.services.events import utcnow
from doorstep.services.intake import accept_order
from doorstep.services.sites import DEMO_LAYOUT

GLN = "4000001000005"
SSCC = "340000010000000013"
HEADER = ("advice_number,po_number,supplier_gln,despatched_at,function,line_no,sscc,gtin,"
          "quantity,unit,lot,best_before,weight_kg\n")


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with api_client(stocked, layout_path=str(DEMO_LAYOUT)) as c:
        assert c.put(f"/v1/suppliers/{GLN}", json={
            "name": "Pens Ltd", "under_tolerance_pct": "10"}).status_code == 200
        r = c.put(f"/v1/suppliers/{GLN}/items/PEN", json={
            "case_qty": 12, "min_shelf_life_days": 30, "lot_pattern": r"L\d{4}"})
        assert r.status_code == 200, r.text
        assert c.put("/v1/purchase-orders/PO1", json={
            "supplier_gln": GLN, "warehouse": "BER",
            "lines": [{"sku": "PEN", "quantity": 2, "unit": "case"}]}).status_code == 201
        yield c


def _advice(client: TestClient, *, despatched: str = "", lot: str = "L0001") -> int:
    body = (HEADER + f"A1,PO1,{GLN},{despatched},original,1,{SSCC},4006381333931,24,each,"
            f"{lot},20991201,\n")
    r = client.post("/v1/advices?profile=asn-csv", content=body)
    return int(r.json()["advices"][0]["id"])


def test_supplier_item_rules_reach_the_checks(client: TestClient) -> None:
    advice_id = _advice(client, lot="bad lot")
    codes = {f["code"] for f in client.get(f"/v1/advices/{advice_id}").json()["lines"][0]
             ["findings"]}
    assert codes == {"lot_format", "date_implausibly_old"}  # best-before in 2099


def test_a_future_despatch_date_holds_every_line_at_the_desk(client: TestClient) -> None:
    future = (utcnow() + timedelta(days=4)).date().isoformat()
    advice_id = _advice(client, despatched=future)
    out = client.post(f"/v1/advices/{advice_id}/receive", json={"sscc": SSCC}).json()
    assert out["received"] == []
    assert "date_in_future" in out["held"][0]["reasons"]


def test_the_desk_commands_scan_count_hold_and_decide(client: TestClient,
                                                       stocked: Engine) -> None:
    body = (HEADER + f"A2,PO1,{GLN},,original,1,{SSCC},4006381333931,24,each,L0002,,\n")
    client.post("/v1/advices?profile=asn-csv", content=body)
    db = ["--db", str(stocked.url)]
    runner = CliRunner()
    scanned = runner.invoke(cli, ["receiving", "scan", SSCC, "--json", *db])
    assert scanned.exit_code == 0, scanned.output
    line_id = json.loads(scanned.output)["lines"][0]["id"]
    advice_id = json.loads(scanned.output)["advice_id"]
    counted = runner.invoke(cli, ["receiving", "count", str(advice_id), f"{line_id}=18",
                                  "--json", *db])
    assert counted.exit_code == 0, counted.output
    (hold,) = json.loads(counted.output)["held"]
    assert hold["reasons"] == ["under_delivery"]  # 18 of 24 is beyond the 10 % tolerance
    listed = runner.invoke(cli, ["receiving", "holds", *db])
    assert "under_delivery" in listed.output
    refused = runner.invoke(cli, ["receiving", "decide", str(hold["hold_id"]), "accept", *db])
    assert refused.exit_code == 1 and "note" in refused.output
    ok = runner.invoke(cli, ["receiving", "decide", str(hold["hold_id"]), "accept",
                             "--note", "supplier confirms short shipment", *db])
    assert ok.exit_code == 0 and "accepted" in ok.output


def test_slotting_plan_swaps_the_fast_mover_nearer_and_measures_the_saving(
        stocked: Engine) -> None:
    with transaction(stocked, write=True) as conn:
        catalogue.add_locations(conn, "BER", ["P-09-040-1-1"])
        stock_ledger.receive(conn, sku="MUG", location="P-09-040-1-1", quantity=50,
                             reason="test", actor="test")
    accept_order(stocked, order("S0", ("PEN", 1)), "s0")
    for n in range(1, 6):  # mugs, which stand at the far end, are ordered far more often
        accept_order(stocked, order(f"S{n}", ("MUG", 1)), f"s{n}")
    drain(stocked)
    result = CliRunner().invoke(cli, ["slotting", "plan", "--layout", str(DEMO_LAYOUT),
                                      "--json", "--db", str(stocked.url)])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.output)
    assert plan["orders"] == 6
    assert {(m["sku"], m["from"], m["to"]) for m in plan["moves"]} == {
        ("MUG", "P-09-040-1-1", "P-01-001-1-1"), ("PEN", "P-01-001-1-1", "P-09-040-1-1")}
    assert plan["walk_after_m"] < plan["walk_before_m"] * 0.5


def test_recadv_goes_back_as_eancom_when_the_supplier_wants_it(client: TestClient) -> None:
    from doorstep.adapters.importers.edifact import parse_interchange

    client.put(f"/v1/suppliers/{GLN}", json={"name": "Pens Ltd", "recadv": "edifact"})
    advice_id = _advice(client)
    client.post(f"/v1/advices/{advice_id}/receive", json={"sscc": SSCC})
    doc = client.get(f"/v1/advices/{advice_id}/recadv").json()
    (message,) = parse_interchange(doc["edifact"])["messages"]
    assert message["RFF:DQ"][0][1] == "A1" and message["NAD:SU"][1][0] == GLN
    assert message["lines"][0]["QTY:12"][0][1] == "24"


def test_import_po_from_csv_checks_the_advice_that_waited(stocked: Engine,
                                                          tmp_path: object) -> None:
    from pathlib import Path

    folder = Path(str(tmp_path))
    db = ["--db", str(stocked.url)]
    runner = CliRunner()
    advice = folder / "a.csv"
    advice.write_text(HEADER + f"A5,PO5,{GLN},,original,1,{SSCC},4006381333931,3,each,,,\n")
    waited = runner.invoke(cli, ["import", "asn", "-p", "asn-csv", "--json", *db, str(advice)])
    assert json.loads(waited.output)["advices"][0]["status"] == "waiting"
    po = folder / "po.csv"
    po.write_text("po_number,supplier_gln,expected_on,sku,quantity,unit\n"
                  f"PO5,{GLN},2026-12-01,PEN,3,each\n")
    done = runner.invoke(cli, ["import", "po", *db, str(po)])
    assert done.exit_code == 0 and "1 waiting advice(s) checked" in done.output
    bad = folder / "bad.csv"
    bad.write_text("po_number,supplier_gln,sku,quantity\nPO6,4000001000006,PEN,1\n")
    refused = runner.invoke(cli, ["import", "po", *db, str(bad)])
    assert refused.exit_code == 1 and "supplier_gln" in refused.output
