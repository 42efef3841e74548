"""``doorstep promise`` end to end through the Typer app: fit → predict, backtest, bad rows."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from typer.testing import CliRunner

from doorstep.adapters.history_csv import write_history
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.entrypoints.cli import app
from doorstep.services.promise_service import build_calendars

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "promise"
runner = CliRunner()


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cals = build_calendars(country="DE", subdiv="BY", first_year=2023, last_year=2026,
                           dest_countries=DEST_COUNTRIES)
    rows = realistic_history(
        SyntheticConfig(start=date(2024, 7, 1), days=200, orders_per_day=30.0, seed=5), cals
    )
    path = tmp_path_factory.mktemp("promise") / "history.csv"
    write_history(path, rows)
    return path


def test_fit_then_predict_writes_one_promise_per_order(history: Path, tmp_path: Path) -> None:
    """`fit` saves a model and prints calibration; `predict` writes the five documented columns."""
    model = tmp_path / "model.json"
    fitted = runner.invoke(app, ["promise", "fit", "--history", str(history), "--model",
                                 str(model), "--subdiv", "BY"])
    assert fitted.exit_code == 0, fitted.output
    assert "Calibration" in fitted.output and model.is_file()
    orders = tmp_path / "orders.csv"
    with open(history, encoding="utf-8") as src, open(orders, "w", encoding="utf-8") as dst:
        lines = src.readlines()
        dst.writelines([lines[0], *lines[-25:]])
    out = tmp_path / "promises.csv"
    predicted = runner.invoke(app, ["promise", "predict", "--model", str(model), "--orders",
                                    str(orders), "--out", str(out)])
    assert predicted.exit_code == 0, predicted.output
    with open(out, encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 25
    assert list(rows[0]) == ["order_id", "promised_date", "earliest_date", "latest_date", "level"]
    assert all(r["earliest_date"] <= r["promised_date"] <= r["latest_date"] for r in rows)


def test_backtest_reports_all_three_methods_and_draws_the_chart(
    history: Path, tmp_path: Path
) -> None:
    """`backtest` scores engine and both shop rules per segment and writes an SVG chart."""
    chart, report = tmp_path / "chart.svg", tmp_path / "report.json"
    result = runner.invoke(app, ["promise", "backtest", "--history", str(history), "--split",
                                 "2024-12-01", "--subdiv", "BY", "--chart", str(chart),
                                 "--report", str(report)])
    assert result.exit_code == 0, result.output
    ElementTree.parse(chart)  # well-formed SVG
    figures = json.loads(report.read_text())
    assert set(figures["metrics"]) == {"engine", "fixed_rule", "global_quantile"}
    for method in figures["metrics"].values():
        assert {"on_time_rate", "mean_promised_days", "mean_days_early", "mean_days_late",
                "interval_coverage", "pinball_loss"} <= set(method["all"])


def test_a_rolling_backtest_refits_every_two_weeks_and_scores_each_order_once(
    history: Path, tmp_path: Path
) -> None:
    """`--refit-every 14` fits on 1, 15 and 29 December and 12 January: four models, one
    score per order, the same orders as one fit at the split."""
    once, rolling = tmp_path / "once.json", tmp_path / "rolling.json"
    for extra, report in (([], once), (["--refit-every", "14"], rolling)):
        result = runner.invoke(app, ["promise", "backtest", "--history", str(history), "--split",
                                     "2024-12-01", "--subdiv", "BY", "--chart",
                                     str(tmp_path / "c.svg"), "--report", str(report), *extra])
        assert result.exit_code == 0, result.output
    single, refitted = json.loads(once.read_text()), json.loads(rolling.read_text())
    assert (single["refits"], refitted["refits"]) == (1, 4)
    for method in ("engine", "fixed_rule", "global_quantile"):
        assert refitted["metrics"][method]["all"]["n"] == single["metrics"][method]["all"]["n"]
    assert "refitted every 14 days (4 fits)" in result.output


def test_rejected_rows_are_listed_with_line_numbers_and_strict_fails(tmp_path: Path) -> None:
    """Bad rows are named as file:line: reason; with --strict the command exits 2."""
    args = ["promise", "fit", "--history", str(FIX / "history_with_errors.csv"), "--model",
            str(tmp_path / "m.json"), "--strict"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "history_with_errors.csv:6: delivered_at: before shipped_at" in result.output
    assert "5 row(s) rejected" in result.output


def test_carrier_days_option_is_checked_before_any_work(tmp_path: Path) -> None:
    """A malformed --carrier-days value is refused with the value named."""
    args = ["promise", "fit", "--history", str(FIX / "history_with_errors.csv"), "--model",
            str(tmp_path / "m.json"), "--carrier-days", "dhl=Funday"]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "dhl=Funday" in result.output
