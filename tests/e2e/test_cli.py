"""The ``doorstep`` command line: version, help everywhere, schema guard, demo."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from statistics import median

import pytest
from sqlalchemy import create_engine, func, select
from typer.main import get_command
from typer.testing import CliRunner

from doorstep import __version__
from doorstep.adapters.db.tables import order_events, orders, products
from doorstep.adapters.quarantine_store import quarantine_records
from doorstep.entrypoints.cli import app
from doorstep.simulation.orderbook import learn_from_database
from doorstep.simulation.scenario import load_scenario

runner = CliRunner()


def all_command_paths() -> list[list[str]]:
    root = get_command(app)
    paths: list[list[str]] = []

    def walk(cmd: object, path: list[str]) -> None:
        paths.append(path)
        for name, sub in (getattr(cmd, "commands", None) or {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return paths


def test_version_prints_the_package_version() -> None:
    """doorstep --version answers with the installed version."""
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


@pytest.mark.parametrize("path", all_command_paths(), ids=lambda p: " ".join(p) or "doorstep")
def test_every_command_has_help(path: list[str]) -> None:
    """--help works on every command and sub-command and says what it does."""
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) > 3


def test_serve_refuses_an_out_of_date_schema_and_names_the_fix(tmp_path: Path) -> None:
    """On an empty database serve exits 2 and tells the user to run doorstep db upgrade."""
    url = f"sqlite:///{tmp_path}/fresh.db"
    result = runner.invoke(app, ["serve", "--db", url])
    assert result.exit_code == 2
    assert "doorstep db upgrade" in result.output


def test_db_upgrade_makes_the_schema_current_and_is_safe_to_repeat(tmp_path: Path) -> None:
    """upgrade twice, then status reports up to date."""
    url = f"sqlite:///{tmp_path}/fresh.db"
    assert runner.invoke(app, ["db", "upgrade", "--db", url]).exit_code == 0
    assert runner.invoke(app, ["db", "upgrade", "--db", url]).exit_code == 0
    status = runner.invoke(app, ["db", "status", "--db", url])
    assert status.exit_code == 0 and "up to date" in status.output


def promised_days(db_url: str, country: str) -> list[int]:
    """Days from acceptance to the promised date of the demo's promises to ``country``."""
    engine = create_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(orders.c.accepted_at, orders.c.shipping_address,
                                   order_events.c.data)
                            .join(order_events, order_events.c.order_id == orders.c.id)
                            .where(order_events.c.type == "promise")).all()
    engine.dispose()
    return [(date.fromisoformat(data["promised_date"]) - accepted.date()).days
            for accepted, address, data in rows if address["country"] == country]


def test_the_demo_runs_days_of_a_shop_through_the_services(tmp_path: Path) -> None:
    """demo --no-serve: 240 products, orders through waves, picks, packs and hand-overs on
    the simulated clock, carrier scans on the timelines, five faulty scans in quarantine,
    promises of a few days; it prints unwrapped URLs on DOORSTEP_PORT and the environment
    for the CLI; a promise model can then be fitted on the shop's own order events."""
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path), "--orders", "40",
                                 "--days", "4", "--no-serve"], env={"DOORSTEP_PORT": "8765"})
    assert result.exit_code == 0, result.output
    db_url = f"sqlite:///{tmp_path.resolve()}/doorstep-demo.db"
    engine = create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(products)).scalar() == 240
        statuses = dict(conn.execute(select(orders.c.status, func.count())
                                     .group_by(orders.c.status)).all())
        kinds = dict(conn.execute(select(order_events.c.type, func.count())
                                  .group_by(order_events.c.type)).all())
        held = conn.execute(select(func.count()).select_from(quarantine_records)).scalar()
    engine.dispose()
    assert sum(statuses.values()) > 100
    assert statuses.get("delivered", 0) > 0  # scanned as delivered by the carrier
    for kind in ("released", "picking", "packed", "shipped", "promise",
                 "tracking.in_transit", "tracking.out_for_delivery", "tracking.delivered"):
        assert kinds.get(kind, 0) > 0, kind
    assert held == 5
    assert 1 <= median(promised_days(db_url, "DE")) <= 4  # a few days at home
    assert median(promised_days(db_url, "DE")) <= median(promised_days(db_url, "AT")) <= 7
    lines = result.output.splitlines()
    assert "  http://127.0.0.1:8765/v1/promise?dest_country=DE&dest_postcode=10115&carrier=dhl"\
           "&service=paket" in lines
    assert f"  export DOORSTEP_DATABASE_URL={db_url}" in lines
    assert any(line.startswith("  export DOORSTEP_LAYOUT_PATH=/") for line in lines)
    fitted = runner.invoke(app, ["promise", "fit", "--from-db", "--db", db_url,
                                 "--model", str(tmp_path / "own-model.json")])
    assert fitted.exit_code == 0, fitted.output
    assert (tmp_path / "own-model.json").stat().st_size > 0  # learned from its own orders
    # the book's pick and pack stamps give back the times the week was simulated with
    week = load_scenario(tmp_path / "demo-week.toml")
    learned, said = learn_from_database(week, db_url)
    assert abs(learned.rates.pack_s_per_order - week.rates.pack_s_per_order) < 15, said
    assert week.rates.pick_s_per_line <= learned.rates.pick_s_per_line < 40, said
