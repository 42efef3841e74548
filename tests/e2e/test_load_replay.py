"""``doorstep load replay`` against a real ``doorstep serve``: the scenario's curve is sent,
every acknowledged order is found exactly once, and a remote target needs a flag."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from doorstep.adapters.db.tables import orders
from doorstep.devtools.server import ServerProcess
from doorstep.entrypoints.cli import app

runner = CliRunner()
SCENARIO = Path(__file__).resolve().parents[2] / "examples" / "peak" / "launch.toml"

pytestmark = pytest.mark.slow


def test_replay_sends_the_curve_and_every_acknowledged_order_is_stored_once(
        migrated_sqlite_url: str, start_server: Callable[..., ServerProcess],
        db: Callable[[str], Engine]) -> None:
    server = start_server(migrated_sqlite_url)
    args = ["load", "replay", "--scenario", str(SCENARIO), "--url", server.base_url,
            "--max-orders", "150", "--max-seconds", "20", "--speed", "20000",
            "--concurrency", "8", "--key", server.api_key, "--json"]
    via_db = runner.invoke(app, [*args, "--db", migrated_sqlite_url])
    assert via_db.exit_code == 0, via_db.output
    info = json.loads(via_db.stdout)
    assert info["sent"] == 150 and info["acknowledged"] == 150
    assert info["statuses"] == {"201": 150}
    assert info["exactly_once"] == {**info["exactly_once"], "via": "database", "ok": True,
                                    "missing": 0, "duplicated": 0, "stored": 150}
    assert info["p99_ms"] >= info["p50_ms"] > 0
    with db(migrated_sqlite_url).connect() as conn:
        stored = conn.execute(select(func.count()).select_from(orders)
                              .where(orders.c.channel == info["channel"])).scalar()
    assert stored == 150

    via_api = runner.invoke(app, [*args[:-1], "--max-orders", "40"])  # checked through the API
    assert via_api.exit_code == 0, via_api.output
    assert "exactly once (api)" in via_api.output and "yes" in via_api.output


def test_without_a_key_every_order_is_an_error_and_the_exit_code_says_so(
        migrated_sqlite_url: str, start_server: Callable[..., ServerProcess]) -> None:
    server = start_server(migrated_sqlite_url)
    result = runner.invoke(app, ["load", "replay", "--scenario", str(SCENARIO), "--url",
                                 server.base_url, "--max-orders", "3", "--json"])
    assert result.exit_code == 1
    info = json.loads(result.stdout)
    assert info["acknowledged"] == 0 and info["errors"] == {"HTTP 401": 3}


def test_a_remote_target_is_refused_without_allow_remote() -> None:
    result = runner.invoke(app, ["load", "replay", "--scenario", str(SCENARIO), "--url",
                                 "http://192.0.2.10:8000", "--max-orders", "1"])
    assert result.exit_code == 2
    assert "not a loopback address" in result.output and "--allow-remote" in result.output
