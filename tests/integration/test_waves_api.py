"""Waves over the API and the CLI: release, read, confirm, and clear errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client, order
from sqlalchemy import Engine
from typer.testing import CliRunner

from doorstep.entrypoints.cli import app as cli
from doorstep.services.intake import accept_order
from doorstep.services.outbox import process_batch
from doorstep.services.sites import DEMO_LAYOUT


def allocate(engine: Engine, *lines: tuple[str, int]) -> None:
    for n, line in enumerate(lines):
        accept_order(engine, order(f"X{n}", line), f"k{n}")
    while process_batch(engine).handled:
        pass


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with api_client(stocked, layout_path=str(DEMO_LAYOUT)) as c:
        yield c


def test_a_wave_is_released_read_back_and_confirmed_over_http(
        stocked: Engine, client: TestClient) -> None:
    """POST /v1/waves, GET it, confirm its task: the task reads back as picked."""
    allocate(stocked, ("MUG", 1))
    wave = client.post("/v1/waves", json={"max_orders": 10}).json()
    assert len(wave["released"]) == 1
    task = wave["pick_lists"][0]["lines"][0]
    r = client.post(f"/v1/pick-tasks/{task['task_id']}/confirm", json={"picked": 1})
    assert r.status_code == 200 and r.json()["status"] == "picked"
    again = client.get(f"/v1/waves/{wave['id']}").json()
    assert again["pick_lists"][0]["lines"][0]["status"] == "picked"


def test_confirming_more_than_asked_is_refused_naming_picked(
        stocked: Engine, client: TestClient) -> None:
    """Picking 5 of a 1-unit task is a 422 naming the field picked."""
    allocate(stocked, ("MUG", 1))
    task = client.post("/v1/waves", json={}).json()["pick_lists"][0]["lines"][0]
    r = client.post(f"/v1/pick-tasks/{task['task_id']}/confirm", json={"picked": 5})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "picked"


def test_an_unknown_routing_method_is_refused_naming_routing(client: TestClient) -> None:
    """routing=teleport is a 422 that lists the methods."""
    r = client.post("/v1/waves", json={"routing": "teleport"})
    assert r.status_code == 422 and "routing" in r.json()["detail"]


def test_the_cli_releases_and_confirms_a_wave(stocked: Engine, tmp_path: Path) -> None:
    """wave release --json, then wave confirm with a short pick that backorders."""
    allocate(stocked, ("MUG", 2))
    runner = CliRunner()
    url = str(stocked.url.render_as_string(hide_password=False))
    released = runner.invoke(cli, ["wave", "release", "--db", url, "--layout", str(DEMO_LAYOUT),
                                   "--json"])
    assert released.exit_code == 0, released.output
    wave = json.loads(released.output)
    task = wave["pick_lists"][0]["lines"][0]["task_id"]
    confirmed = runner.invoke(cli, ["wave", "confirm", str(task), "0", "--db", url,
                                    "--layout", str(DEMO_LAYOUT)])
    assert confirmed.exit_code == 0, confirmed.output
    assert json.loads(confirmed.output)["short"]["backordered"] == 2
    shown = runner.invoke(cli, ["wave", "show", wave["id"], "--db", url])
    assert shown.exit_code == 0 and "short" in shown.output


def test_the_cli_without_a_layout_names_the_setting(stocked: Engine) -> None:
    """wave release with no layout configured exits 2 and names layout_path."""
    url = str(stocked.url.render_as_string(hide_password=False))
    result = CliRunner().invoke(cli, ["wave", "release", "--db", url])
    assert result.exit_code == 2 and "layout_path" in result.output
