"""`doorstep import orders`, `doorstep profile check` and `doorstep quarantine …` end to end."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES
from doorstep.bootstrap import make_engine
from doorstep.entrypoints.cli import app, harmonise
from doorstep.schemas.orders import OrderIn
from doorstep.services.order_import import IntakeOutcome, IntakeResponse

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"
runner = CliRunner()


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """A database with the quarantine tables and a fake intake behind the CLI's seam."""
    url = f"sqlite:///{tmp_path}/cli.db"
    engine = make_engine(url)
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    engine.dispose()
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", url)
    monkeypatch.setenv("DOORSTEP_CONFIG", str(tmp_path / "none.toml"))
    monkeypatch.setattr(harmonise, "console", Console(width=200))
    monkeypatch.setattr(harmonise, "ensure_current_schema", lambda container: None)
    keys: list[str] = []

    def intake(order: OrderIn, key: str) -> IntakeResponse:
        if key in keys:
            return IntakeResponse(IntakeOutcome.duplicate, "ord")
        keys.append(key)
        return IntakeResponse(IntakeOutcome.accepted, "ord")

    monkeypatch.setattr(harmonise, "INTAKE_FACTORY", lambda container: intake)
    return keys


def test_import_prints_a_summary_per_source(db: list[str]) -> None:
    """Two files (one order twice) give accepted 1, duplicates 1 in the summary table."""
    path = str(SHOPS / "shopify" / "order.json")
    result = runner.invoke(app, ["import", "orders", "--profile", "shopify", path, path])
    assert result.exit_code == 0, result.output
    assert "Import summary" in result.output
    row = next(line for line in result.output.splitlines() if "shopify" in line)
    assert [cell.strip() for cell in row.strip("│┃ ").split("│")][1:] == ["1", "0", "1", "2"]
    assert db == ["shopify:450789469"]


def test_import_reads_stdin_and_lists_quarantined_records(db: list[str]) -> None:
    """`-` reads stdin; held records are listed with their reason codes."""
    body = (SHOPS / "woocommerce" / "order_723_completed_with_refunds.json").read_text()
    result = runner.invoke(app, ["import", "orders", "-p", "woocommerce", "-"], input=body)
    assert result.exit_code == 0, result.output
    assert "quarantined #1 woocommerce:723" in result.output
    listing = runner.invoke(app, ["quarantine", "list"])
    assert "woocommerce:723" in listing.output and "missing_field" in listing.output


def test_quarantine_correct_release_and_reject_from_the_cli(db: list[str], tmp_path: Path) -> None:
    """A held order corrected from a file is released into intake; another is rejected."""
    for rel in ("woocommerce/order_727_retrieve.json",
                "woocommerce/order_723_completed_with_refunds.json"):
        runner.invoke(app, ["import", "orders", "-p", "woocommerce", str(SHOPS / rel)])
    refused = runner.invoke(app, ["quarantine", "release", "1"])
    assert refused.exit_code == 1 and "stays held" in refused.output
    fixed = tmp_path / "fixed.json"
    fixed.write_text((SHOPS / "woocommerce" / "order_727_retrieve.json").read_text()
                     .replace('"sku": ""', '"sku": "WOO-1"'))
    assert runner.invoke(app, ["quarantine", "correct", "1", str(fixed)]).exit_code == 0
    assert runner.invoke(app, ["quarantine", "release", "1"]).exit_code == 0
    assert db == ["woocommerce:727"]
    assert runner.invoke(app, ["quarantine", "reject", "2", "--note", "test"]).exit_code == 0
    shown = runner.invoke(app, ["quarantine", "show", "1"])
    assert all(word in shown.output for word in ("hold", "correct", "release"))


def test_unknown_profile_is_a_clear_error(db: list[str]) -> None:
    """A profile name that does not exist exits 2 naming the known profiles."""
    result = runner.invoke(app, ["import", "orders", "-p", "nope", "x.json"])
    assert result.exit_code == 2
    assert "shopify" in result.output


def test_profile_check_passes_a_fitting_sample_and_fails_a_bad_unit(tmp_path: Path) -> None:
    """The CSV profile lints clean on its fixture and reports an unknown weight unit."""
    good = runner.invoke(app, ["profile", "check", "-p", "orders-csv",
                               "-s", str(SHOPS / "csv" / "orders.csv")])
    assert good.exit_code == 0, good.output
    bad_sample = tmp_path / "bad.csv"
    bad_sample.write_text((SHOPS / "csv" / "orders.csv").read_text().replace(",g\n", ",stone\n"))
    bad = runner.invoke(app, ["profile", "check", "-p", "orders-csv", "-s", str(bad_sample)])
    assert bad.exit_code == 1
    assert "unit_unknown" in bad.output
