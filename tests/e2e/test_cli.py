"""The ``doorstep`` command line: version, help everywhere, schema guard, demo."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select
from typer.main import get_command
from typer.testing import CliRunner

from doorstep import __version__
from doorstep.adapters.db.tables import orders, products
from doorstep.entrypoints.cli import app

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


def test_the_demo_builds_a_shop_and_feeds_a_day_through_it(tmp_path: Path) -> None:
    """demo --no-serve creates 240 products and accepts every simulated order, and a promise
    model can then be fitted on the shop's own order events."""
    result = runner.invoke(app, ["demo", "--dir", str(tmp_path), "--orders", "60",
                                 "--no-serve"])
    assert result.exit_code == 0, result.output
    engine = create_engine(f"sqlite:///{tmp_path}/doorstep-demo.db")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(products)).scalar() == 240
        statuses = dict(conn.execute(select(orders.c.status, func.count())
                                     .group_by(orders.c.status)).all())
    engine.dispose()
    assert sum(statuses.values()) == 60
    assert statuses.get("delivered", 0) > 0  # went through waves, picking, packing, shipping
    assert "/docs" in result.output
    fitted = runner.invoke(app, ["promise", "fit", "--from-db", "--db",
                                 f"sqlite:///{tmp_path}/doorstep-demo.db",
                                 "--model", str(tmp_path / "own-model.json")])
    assert fitted.exit_code == 0, fitted.output
    assert (tmp_path / "own-model.json").stat().st_size > 0  # learned from its own orders
