"""``doorstep peak`` end to end through the Typer app: simulate, what-if staff, plan."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from doorstep.adapters.promise_store import save_model
from doorstep.domain.promise.fit import fit_model
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.entrypoints.cli import app
from doorstep.services.promise_service import build_calendars

runner = CliRunner()

SCENARIO = """
[scenario]
name = "short of packers"
start = "2024-11-05"
days = 2
seed = 4

[intake]
orders_per_day = 900

[warehouse]
totes = 400
pack_stations = 6

[policy]
batching = "fcfs"
routing = "s-shape"

[[shifts]]
days = "Mon-Fri"
start = "06:00"
end = "20:00"
release = 1
pick = 4
pack = 1
handover = 1

[promise]
model = "model.json"
"""


SHORT_OF_PICKERS = """
[scenario]
name = "short of pickers"
start = "2024-11-05"
days = 2
seed = 4

[intake]
orders_per_day = 3200

[warehouse]
totes = 600
pack_stations = 10

[policy]
batching = "fcfs"
routing = "s-shape"
max_orders = 100
wave_every_minutes = 10

[rates]
pick_m_per_order = 5   # the plan believes picking walks 5 m an order: far too little

[[shifts]]
days = "Mon-Fri"
start = "06:00"
end = "20:00"
release = 1
pick = 2
pack = 8
handover = 1

[promise]
model = "model.json"
"""


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("peak")
    cals = build_calendars(country="DE", subdiv=None, first_year=2023, last_year=2026,
                           dest_countries=DEST_COUNTRIES)
    rows = realistic_history(SyntheticConfig(start=date(2024, 6, 1), days=150,
                                             orders_per_day=40.0, seed=3), cals)
    save_model(folder / "model.json", fit_model(rows, calendars=cals).model)
    (folder / "pickers.toml").write_text(SHORT_OF_PICKERS, encoding="utf-8")
    path = folder / "packers.toml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_simulate_prints_the_bottleneck_and_writes_charts(scenario: Path, tmp_path: Path
                                                          ) -> None:
    out = tmp_path / "report"
    result = runner.invoke(app, ["peak", "simulate", "--scenario", str(scenario), "--out",
                                 str(out)])
    assert result.exit_code == 0, result.output
    assert "First bottleneck: pack at" in result.output
    assert "promises kept" in result.output
    for name in ("backlog", "utilisation", "cutoffs"):
        ElementTree.parse(out / f"{name}.svg")  # well-formed SVG
    page = (out / "report.html").read_text()
    assert page.count("<svg") == 3 and "http://" not in page.replace(
        'xmlns="http://www.w3.org/2000/svg"', "")


def test_json_and_a_staff_what_if(scenario: Path, tmp_path: Path) -> None:
    """``--json`` is one object; two more packers per shift miss fewer cut-offs."""
    base = runner.invoke(app, ["peak", "simulate", "-s", str(scenario), "--json", "--out",
                               str(tmp_path / "a")])
    more = runner.invoke(app, ["peak", "simulate", "-s", str(scenario), "--json", "--out",
                               str(tmp_path / "b"), "--staff", "pack=+2"])
    assert base.exit_code == 0 and more.exit_code == 0, base.output + more.output
    a, b = json.loads(base.stdout), json.loads(more.stdout)
    assert a["first_bottleneck"]["station"] == "pack"
    assert b["added_staff"] == {"pack": 2}
    assert b["missed_cutoffs"] < a["missed_cutoffs"]
    assert b["backlog_at_end"] < a["backlog_at_end"]


def test_a_bad_staff_change_names_the_station(scenario: Path) -> None:
    result = runner.invoke(app, ["peak", "simulate", "-s", str(scenario), "--staff",
                                 "packing=+1"])
    assert result.exit_code == 2
    assert "packing=+1" in result.output and "station" in result.output


def test_plan_adds_the_pickers_an_optimistic_plan_lacks(scenario: Path, tmp_path: Path) -> None:
    """The plan told the promise engine that picking is quick; the floor is slower, so
    promises break, and two more pickers keep more of them.  Asked for a share between the
    two, the search adds pickers until it holds, then tries fewer."""
    pickers = str(scenario.parent / "pickers.toml")

    def kept(*staff: str) -> float:
        run = runner.invoke(app, ["peak", "simulate", "-s", pickers, "--json", "--out",
                                  str(tmp_path / "sim"), *staff])
        assert run.exit_code == 0, run.output
        return float(json.loads(run.stdout)["promises"]["kept_share"])

    base, helped = kept(), kept("--staff", "pick=+2")
    assert helped > base
    target = round((base + helped) / 2, 4)
    result = runner.invoke(app, ["peak", "plan", "-s", pickers, "--target", str(target),
                                 "--json", "--out", str(tmp_path / "plan")])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout)
    assert info["tried"][0] == {"added": {}, "kept_share": round(base, 4)}
    assert info["met"] and info["kept_share"] >= target
    assert 1 <= info["added_staff"].get("pick", 0) <= 2
    fewer = {**info["added_staff"], "pick": info["added_staff"]["pick"] - 1}
    assert all(t["kept_share"] < target for t in info["tried"]
               if {k: v for k, v in t["added"].items() if v} == {k: v for k, v in fewer.items()
                                                                  if v})
