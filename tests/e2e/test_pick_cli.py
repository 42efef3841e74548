"""``doorstep pick`` end to end through the Typer app: JSON out, SVG file, pointed errors."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

from typer.testing import CliRunner

from doorstep.entrypoints.cli import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "picking"
runner = CliRunner()


def test_pick_route_prints_stops_distance_method_and_writes_the_svg(tmp_path: Path) -> None:
    """`pick route --svg` prints the tour as JSON and draws it to the file."""
    svg = tmp_path / "route.svg"
    result = runner.invoke(
        app,
        [
            "pick",
            "route",
            "--layout",
            str(FIX / "warehouse.yaml"),
            "--picks",
            str(FIX / "picks.json"),
            "--svg",
            str(svg),
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["method"] == "exact:ratliff-rosenthal" and out["distance"] > 0
    assert all("items" in s for s in out["stops"])
    assert ElementTree.parse(svg).getroot().tag.endswith("svg")


def test_pick_route_method_option_selects_a_heuristic() -> None:
    """`--method largest-gap` routes with that heuristic, never shorter than exact."""
    args = ["pick", "route", "-l", str(FIX / "two-blocks.yaml"), "-p", str(FIX / "picks.json")]
    exact = json.loads(runner.invoke(app, args).stdout)
    gap = json.loads(runner.invoke(app, [*args, "--method", "largest-gap"]).stdout)
    assert gap["method"] == "largest-gap" and gap["distance"] >= exact["distance"]


def test_pick_batch_compares_with_single_order_and_fcfs() -> None:
    """`pick batch` prints batches with savings against both baselines."""
    result = runner.invoke(
        app,
        [
            "pick",
            "batch",
            "-l",
            str(FIX / "warehouse.yaml"),
            "-o",
            str(FIX / "orders.json"),
            "--totes",
            "8",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["baselines"]["single"]["saving"] > 0
    assert max(len(b["orders"]) for b in out["batches"]) <= 8


def test_pick_wave_releases_and_lists(tmp_path: Path) -> None:
    """`pick wave` releases up to the wave size and writes one drawing per pick list."""
    result = runner.invoke(
        app,
        [
            "pick",
            "wave",
            "-l",
            str(FIX / "warehouse.yaml"),
            "-o",
            str(FIX / "orders.json"),
            "--max-orders",
            "10",
            "--now",
            "2026-11-23T13:00:00+00:00",
            "--svg-dir",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert len(out["released"]) == 10
    assert len(list(tmp_path.glob("batch-*.svg"))) == len(out["pick_lists"])


def test_bad_layout_file_exits_2_with_file_line_and_field() -> None:
    """A broken layout file is reported on stderr as file:line: field: problem."""
    result = runner.invoke(
        app,
        ["pick", "route", "-l", str(FIX / "bad-aisle-length.yaml"), "-p", str(FIX / "picks.json")],
    )
    assert result.exit_code == 2
    assert "bad-aisle-length.yaml:4: aisle_length" in result.stderr.replace("\n", "")
