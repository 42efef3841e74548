"""One tracking-ingest use case behind the webhook, the CLI import and quarantine release.

A delivery scan completes an order only after doorstep's own hand-over: one that arrives
before its shipment exists, or is dated before the hand-over, is held for review.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client, ship_new_order
from sqlalchemy import Engine, select, update
from typer.testing import CliRunner

from doorstep.adapters.db.tables import orders, shipments, tracking_events
from doorstep.adapters.db.uow import transaction
from doorstep.entrypoints.cli import app as cli
from doorstep.services import source_secrets
from doorstep.services.order_import import build_quarantine_store
from doorstep.services.tracking_ingest import ingest_tracking

HEADER = ("carrier,tracking_number,status,status_text,timestamp,city,postcode,country,weight,"
          "weight_unit,reference,raw_code\n")


def scan(number: str, status: str, at: datetime) -> bytes:
    return (HEADER + f"dhl,{number},{status},{status},{at.isoformat()},Berlin,10117,DE,,,,"
            f"{status}\n").encode()


def carrier_url(engine: Engine, profile: str) -> str:
    """The webhook URL doorstep issues to a carrier (with its token)."""
    with transaction(engine, write=True) as conn:
        token = source_secrets.issue(conn, f"carrier:{profile}", created_by="test")
    return f"/v1/webhooks/carrier/{profile}?token={token}"


def status_of(engine: Engine, order_id: str) -> str:
    with engine.connect() as conn:
        return str(conn.execute(select(orders.c.status).where(orders.c.id == order_id))
                   .scalar_one())


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with api_client(stocked) as c:
        yield c


def test_a_delivery_scan_for_a_parcel_not_yet_handed_over_is_held_for_review(
        stocked: Engine, client: TestClient) -> None:
    """The forged-looking scan is quarantined, so shipping later does not deliver the order;
    once the hand-over is recorded the held scan can be released and then completes it."""
    soon = datetime.now(UTC) + timedelta(minutes=1)
    r = client.post(carrier_url(stocked, "carrier-csv"),
                    content=scan("JJD0001", "delivered", soon))
    assert r.status_code == 202, r.text
    (held,) = r.json()["held"]
    assert [x["code"] for x in held["reasons"]] == ["delivery_without_shipment"]
    oid = ship_new_order(stocked, "E1", ("MUG", 1), carrier="dhl", tracking_number="JJD0001")
    assert status_of(stocked, oid) == "shipped"
    store = build_quarantine_store(stocked)
    store.release(held["quarantine_id"], actor="ops")
    assert status_of(stocked, oid) == "delivered"


def test_a_delivery_scan_dated_before_the_hand_over_is_held(stocked: Engine) -> None:
    """The order stays shipped; the scan waits in quarantine with the reason."""
    oid = ship_new_order(stocked, "E2", ("MUG", 1), carrier="dhl", tracking_number="JJD0002")
    handed_over = datetime.now(UTC) - timedelta(hours=1)
    with transaction(stocked, write=True) as conn:
        conn.execute(update(shipments).where(shipments.c.order_id == oid)
                     .values(shipped_at=handed_over))
    report = ingest_tracking(stocked, "carrier-csv",
                             scan("JJD0002", "delivered", handed_over - timedelta(seconds=30)))
    assert [r.code.value for h in report.held for r in h.reasons] == [
        "delivered_before_handover"]
    assert report.held[0].quarantine_id is not None
    assert status_of(stocked, oid) == "shipped"


def test_webhook_and_cli_import_give_the_same_report_for_the_same_payload(
        stocked: Engine, client: TestClient, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """One use case: the webhook's JSON answer and `import tracking --json` agree, and the
    second run of the same payload finds only duplicates."""
    oid = ship_new_order(stocked, "E3", ("MUG", 1), carrier="dhl", tracking_number="JJD0003")
    later = datetime.now(UTC) + timedelta(minutes=1)
    payload = scan("JJD0003", "in_transit", later) + scan("JJD0003", "delivered",
                                                           later).split(b"\n", 1)[1]
    by_webhook = client.post(carrier_url(stocked, "carrier-csv"), content=payload).json()
    assert (by_webhook["accepted"], by_webhook["delivered_orders"]) == (2, [oid])
    file = tmp_path / "scans.csv"
    file.write_bytes(payload)
    monkeypatch.setenv("DOORSTEP_CONFIG", str(tmp_path / "none.toml"))
    result = CliRunner().invoke(cli, ["import", "tracking", "-p", "carrier-csv", "--json",
                                      "--db", str(stocked.url), str(file)])
    assert result.exit_code == 0, result.output
    by_cli = json.loads(result.output)
    assert set(by_cli) == set(by_webhook)
    assert (by_cli["accepted"], by_cli["duplicates"]) == (0, 2)


def test_stored_scans_keep_the_carriers_offset_label_and_weight(stocked: Engine) -> None:
    """What the carrier reported survives storage: Royal Mail's +01:00, PostNL's phase
    label and parcel weight (the stored rows, not only the mapped events)."""
    carriers = Path(__file__).resolve().parents[1] / "fixtures" / "carriers"
    ingest_tracking(stocked, "royal-mail",
                    (carriers / "royal_mail" / "TrackingResponse.json").read_bytes())
    report = ingest_tracking(stocked, "postnl",
                             (carriers / "postnl" / "CompleteStatusResponse.json").read_bytes())
    assert len(report.stored) == 4  # the delivery scan waits for review: no hand-over yet
    with stocked.connect() as conn:
        rows = {r.raw_code: r for r in conn.execute(select(tracking_events)).all()}
    assert rows["EVNMI"].utc_offset_minutes == 60
    assert (rows["7"].raw_label, rows["7"].weight_g) == ("Distributie", 440)
