"""The packing bench from a terminal: suggest, pack, weigh, label, slip, manifest, hand over."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine
from test_packing_bench import _picked_order
from typer.testing import CliRunner

from doorstep.entrypoints.cli import app


@pytest.fixture
def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the CLI flow is the same on PostgreSQL; the HTTP tests cover both")


def test_a_warehouse_worker_packs_and_hands_over_from_the_terminal(
        sqlite_only: None, stocked: Engine, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOORSTEP_GS1_COMPANY_PREFIX", "4012345")
    monkeypatch.setenv("DOORSTEP_SENDER_ADDRESS", "Demo Shop|Lagerstraße 1|10115|Berlin|DE")
    monkeypatch.setenv("DOORSTEP_WAREHOUSE", "BER")
    db = ["--db", str(stocked.url)]
    runner = CliRunner()
    order_id = _picked_order(stocked, "CLI-1", ("MUG", 1), ("PEN", 2))

    made = runner.invoke(app, ["pack", "carton", "S", "--dims", "200x150x120", "--tare", "90",
                               "--max-load", "5000", "--cost", "0.45", *db])
    assert made.exit_code == 0, made.output
    bad = runner.invoke(app, ["pack", "carton", "B", "--dims", "20x15", "--tare", "9",
                              "--max-load", "5", "--cost", "1", *db])
    assert bad.exit_code == 2 and "--dims" in bad.output

    suggested = runner.invoke(app, ["pack", "suggest", order_id, "--json", *db])
    assert suggested.exit_code == 0, suggested.output
    assert json.loads(suggested.output)["parcels"][0]["carton"] == "S"

    packed = runner.invoke(app, ["pack", "order", order_id, "--json", *db])
    [parcel] = json.loads(packed.output)
    held = runner.invoke(app, ["pack", "weigh", str(parcel["id"]), "100", *db])
    assert held.exit_code == 2 and "missing_item" in held.output
    checked = runner.invoke(app, ["pack", "weigh", str(parcel["id"]),
                                  str(parcel["expected_weight_g"]), *db])
    assert checked.exit_code == 0, checked.output

    label = runner.invoke(app, ["pack", "label", str(parcel["id"]), "-o",
                                str(tmp_path / "label.pdf"), *db])
    assert label.exit_code == 0, label.output
    assert (tmp_path / "label.pdf").read_bytes().startswith(b"%PDF")
    slip = runner.invoke(app, ["pack", "slip", str(parcel["id"]), "-o",
                               str(tmp_path / "slip.pdf"), "--lang", "en", *db])
    assert slip.exit_code == 0 and (tmp_path / "slip.pdf").stat().st_size > 1000
    sheet = runner.invoke(app, ["pack", "manifest", "dhl", "-o", str(tmp_path / "m.pdf"), *db])
    assert sheet.exit_code == 0 and "1 parcels" in sheet.output

    shipped = runner.invoke(app, ["pack", "handover", parcel["sscc"], "--json", *db])
    assert shipped.exit_code == 0, shipped.output
    assert json.loads(shipped.output)[0]["order_status"] == "shipped"
    again = runner.invoke(app, ["pack", "handover", parcel["sscc"], *db])
    assert again.exit_code == 1 and "handed_over" in again.output
