"""``doorstep promise``: fit, predict and backtest delivery promises.

Bad rows in a CSV are listed as ``line N: field: reason`` and counted; ``--strict`` turns
any of them into exit code 2 (file-level problems always are).  See ``docs/promise.md``.
"""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console

if TYPE_CHECKING:  # numpy, scipy and holidays load with the command that needs them
    from doorstep.adapters.history_csv import HistoryImport
    from doorstep.domain.promise.engine import DeliveryWindow
    from doorstep.domain.promise.history import HistoryRow
    from doorstep.domain.promise.model import PromiseConfig

app = typer.Typer(help="Fit, predict and backtest delivery promises.", no_args_is_help=True)
_out = cli_console()
_err = cli_console(stderr=True)
SHOWN_ERRORS = 20


def _fail(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code=2)


def _rows_from_db(database_url: str | None, *, strict: bool) -> list[HistoryRow]:
    """History from doorstep's own order book; orders that cannot be rows are listed."""
    from doorstep.entrypoints.cli.core import _container
    from doorstep.services.promise_service import history_from_database

    container = _container(database_url)
    with container.engine.connect() as conn:
        rows, problems = history_from_database(conn,
                                               origin_country=container.settings.country)
    for order_id, reason in problems[:SHOWN_ERRORS]:
        _err.print(f"order {order_id}: {reason}", highlight=False)
    if problems:
        _err.print(f"[yellow]{len(problems)} order(s) left out[/yellow], {len(rows)} used")
        if strict:
            raise typer.Exit(code=2)
    if not rows:
        raise _fail("the database holds no orders to learn from")
    return rows


def _read(path: Path, tz: str, *, strict: bool, order_time_only: bool = False) -> HistoryImport:
    from doorstep.adapters.history_csv import HistoryFormatError, read_history

    try:
        imported = read_history(path, default_timezone=tz, order_time_only=order_time_only)
    except (OSError, HistoryFormatError) as exc:
        raise _fail(f"{path}: {exc}") from exc
    for err in imported.errors[:SHOWN_ERRORS]:
        _err.print(f"{path}:{err.line}: {err.reason}", highlight=False)
    if len(imported.errors) > SHOWN_ERRORS:
        _err.print(f"… and {len(imported.errors) - SHOWN_ERRORS} more rejected rows")
    if imported.errors:
        _err.print(f"[yellow]{len(imported.errors)} row(s) rejected[/yellow], "
                   f"{len(imported.rows)} accepted")
        if strict:
            raise typer.Exit(code=2)
    if not imported.rows:
        raise _fail(f"{path}: no usable rows")
    return imported


def _config(level: float, tz: str, cutoff: str, half_life: float, load_aware: bool
            ) -> PromiseConfig:
    from doorstep.domain.promise.model import PromiseConfig

    try:
        return PromiseConfig(level=level, timezone=tz, cutoff=time.fromisoformat(cutoff),
                             half_life_days=half_life, load_aware=load_aware)
    except ValueError as exc:
        raise _fail(str(exc)) from exc


def _aware(text: str | None, tz: str, name: str) -> datetime | None:
    if text is None:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise _fail(f"{name}: not an ISO 8601 date or timestamp: {text!r}") from exc
    return value if value.tzinfo else value.replace(tzinfo=ZoneInfo(tz))


HISTORY = typer.Option(..., "--history", "-H", help="History CSV (see docs/promise.md).")
LEVEL = typer.Option(0.95, "--level", min=0.5, max=0.999, help="Target on-time level.")
TZ = typer.Option("Europe/Berlin", "--timezone", help="Warehouse time zone; also for naive "
                  "timestamps in the CSV.")
COUNTRY = typer.Option("DE", "--country", help="Warehouse country for public holidays.")
SUBDIV = typer.Option(None, "--subdiv", help="Warehouse subdivision, e.g. BY for Bavaria.")
CUTOFF = typer.Option("14:00", "--cutoff", help="Warehouse cut-off (local time, HH:MM).")
HALF_LIFE = typer.Option(56.0, "--half-life", help="Days after which history counts half.")
STRICT = typer.Option(False, "--strict", help="Exit 2 if any row is rejected.")
LOAD_AWARE = typer.Option(True, "--load-aware/--no-load-aware", help="Model the warehouse "
                          "queue from the backlog (off when delays do not depend on load).")
CARRIER_DAYS = typer.Option([], "--carrier-days", help="Delivery weekdays of a carrier, e.g. "
                            "dhl=Mon-Sat (repeatable; default dhl Mon-Sat, others Mon-Fri).")


def _carrier_days(specs: list[str]) -> dict[str, frozenset[int]]:
    from doorstep.domain.promise.calendar import parse_weekdays

    out: dict[str, frozenset[int]] = {}
    for spec in specs:
        name, sep, days = spec.partition("=")
        if not sep or not name.strip():
            raise _fail(f"--carrier-days {spec!r}: write carrier=Mon-Fri")
        try:
            out[name.strip().lower()] = parse_weekdays(days)
        except ValueError as exc:
            raise _fail(f"--carrier-days {spec!r}: {exc}") from exc
    return out


@app.command("fit")
def fit_cmd(
    history: Path | None = typer.Option(None, "--history", "-H",
                                        help="History CSV (see docs/promise.md)."),
    from_db: bool = typer.Option(False, "--from-db", help="Fit on doorstep's own orders, "
                                 "shipments and delivery scans instead of a CSV."),
    database_url: str | None = typer.Option(None, "--db", envvar="DOORSTEP_DATABASE_URL",
                                            help="Database for --from-db."),
    model: Path = typer.Option(..., "--model", "-m", help="Where to write the model (JSON)."),
    level: float = LEVEL,
    timezone: str = TZ,
    country: str = COUNTRY,
    subdiv: str | None = SUBDIV,
    cutoff: str = CUTOFF,
    half_life: float = HALF_LIFE,
    as_of: str | None = typer.Option(None, "--as-of", help="Export time of the history "
                                     "(default: its latest timestamp)."),
    carrier_days: list[str] = CARRIER_DAYS,
    load_aware: bool = LOAD_AWARE,
    strict: bool = STRICT,
) -> None:
    """Fit a promise model on a history CSV (or --from-db) and save it; print calibration."""
    from doorstep.adapters.promise_store import save_model
    from doorstep.services.promise_service import UnknownHolidayCountry, fit_history

    cfg = _config(level, timezone, cutoff, half_life, load_aware)
    if from_db == (history is not None):
        raise _fail("give exactly one of --history FILE and --from-db")
    rows = _rows_from_db(database_url, strict=strict) if history is None \
        else _read(history, timezone, strict=strict).rows
    with Progress(transient=True, console=_err) as progress:
        progress.add_task("fitting", total=None)
        try:
            result = fit_history(rows, country=country, subdiv=subdiv, config=cfg,
                                 as_of=_aware(as_of, timezone, "--as-of"),
                                 carrier_weekdays=_carrier_days(carrier_days))
        except (ValueError, UnknownHolidayCountry) as exc:
            raise _fail(str(exc)) from exc
    save_model(model, result.model)
    rep = result.report
    _out.print(f"fitted on {rep.rows} orders ({rep.shipped} shipped, {rep.delivered} delivered; "
               f"censored: {rep.censored_processing} awaiting handover, "
               f"{rep.censored_transit} in transit) → {model}")
    if cfg.load_aware:
        _out.print(f"capacity ≈ {rep.capacity.per_day:.0f} ± {rep.capacity.sd:.0f} orders per "
                   "working day")
    else:
        _out.print("load awareness off: no queue model")
    if rep.calibration_window is None:
        _out.print("[yellow]not enough recent history to calibrate; raw levels are used[/yellow]")
        return
    start, end = rep.calibration_window
    table = Table(title=f"Calibration on orders {start:%Y-%m-%d} … {end:%Y-%m-%d} "
                  f"(on time at {level:.0%})")
    for col in ("segment", "orders", "raw model", "calibrated"):
        table.add_column(col, justify="left" if col == "segment" else "right")
    for row in rep.calibration:
        table.add_row(row.segment, str(row.n), f"{row.raw_on_time:.1%}",
                      f"{row.calibrated_on_time:.1%}")
    _out.print(table)


@app.command("predict")
def predict_cmd(
    model: Path = typer.Option(..., "--model", "-m", help="A model written by `fit`."),
    orders: Path = typer.Option(..., "--orders", "-o", help="Orders CSV in the history "
                                "schema; only order-time columns are used."),
    out: Path = typer.Option(..., "--out", help="Where to write the promises CSV."),
    level: float | None = typer.Option(None, "--level", min=0.5, max=0.999,
                                       help="Default: the model's level."),
    backlog: int = typer.Option(0, "--backlog", min=0, help="Orders waiting in the warehouse."),
    throughput: float | None = typer.Option(None, "--throughput", min=1.0, help="Orders "
                                            "shipped per working day (default: fitted)."),
    strict: bool = STRICT,
) -> None:
    """Write order_id, promised_date, earliest_date, latest_date, level per order."""
    from doorstep.adapters.history_csv import write_predictions
    from doorstep.adapters.promise_store import ModelFileError, load_model
    from doorstep.domain.promise.calendar import CalendarRangeError
    from doorstep.domain.promise.engine import make_promise
    from doorstep.domain.promise.fit import request_from_row
    from doorstep.domain.promise.load import BacklogReading, Capacity

    try:
        fitted = load_model(model)
    except ModelFileError as exc:
        raise _fail(str(exc)) from exc
    imported = _read(orders, fitted.config.timezone, strict=strict, order_time_only=True)
    cap = fitted.capacity if throughput is None else Capacity(
        per_day=throughput, sd=fitted.capacity.sd * throughput / fitted.capacity.per_day)
    reading = BacklogReading(backlog=backlog, throughput=cap)
    results: list[tuple[str, DeliveryWindow]] = []
    failed = 0
    with Progress(console=_err, transient=True) as progress:
        task = progress.add_task("promising", total=len(imported.rows))
        for row in imported.rows:
            try:
                p = make_promise(fitted, request_from_row(row), reading=reading, level=level)
                results.append((row.order_id, p.window))
            except (CalendarRangeError, ValueError) as exc:
                failed += 1
                _err.print(f"{orders}: order {row.order_id}: {exc}", highlight=False)
            progress.advance(task)
    count = write_predictions(out, results)
    _out.print(f"{count} promises → {out}" + (f"; {failed} failed" if failed else ""))
    if failed and strict:
        raise typer.Exit(code=2)


@app.command("backtest")
def backtest_cmd(
    history: Path = HISTORY,
    split: str = typer.Option(..., "--split", help="Fit on orders before this date, score "
                              "the rest (YYYY-MM-DD or a timestamp)."),
    level: float = LEVEL,
    timezone: str = TZ,
    country: str = COUNTRY,
    subdiv: str | None = SUBDIV,
    cutoff: str = CUTOFF,
    half_life: float = HALF_LIFE,
    chart: Path = typer.Option(Path("promise-calibration.svg"), "--chart",
                               help="Calibration chart (SVG)."),
    report: Path | None = typer.Option(None, "--report", help="Also write all figures as JSON."),
    carrier_days: list[str] = CARRIER_DAYS,
    load_aware: bool = LOAD_AWARE,
    strict: bool = STRICT,
    refit_every: int = typer.Option(0, "--refit-every", min=0, metavar="DAYS",
                                    help="Refit every method every DAYS days while scoring, "
                                    "on what was known then (rolling origin); 0 fits once."),
) -> None:
    """Engine vs. "3–5 working days" vs. one global quantile, per segment, plus a chart."""
    from doorstep.adapters.calibration_chart import write_reliability_svg
    from doorstep.services.promise_service import UnknownHolidayCountry, backtest

    cfg = _config(level, timezone, cutoff, half_life, load_aware)
    when = _aware(split, timezone, "--split")
    assert when is not None
    imported = _read(history, timezone, strict=strict)
    test_rows = sum(1 for r in imported.rows if r.ordered_at >= when)
    with Progress(console=_err, transient=True) as progress:
        task = progress.add_task("backtesting", total=test_rows)
        try:
            result = backtest(imported.rows, when, country=country, subdiv=subdiv, config=cfg,
                              carrier_weekdays=_carrier_days(carrier_days),
                              refit_every=timedelta(days=refit_every) if refit_every else None,
                              progress=lambda i: progress.update(task, completed=i))
        except (ValueError, UnknownHolidayCountry) as exc:
            raise _fail(str(exc)) from exc
    fits = f", refitted every {refit_every} days ({result.refits} fits)" if refit_every else ""
    table = Table(title=f"Backtest: fit before {when:%Y-%m-%d} ({result.train_rows} orders), "
                  f"scored on {result.test_rows} orders{fits}, level {level:.0%}")
    for col in ("segment", "method", "orders", "on time", "promised days", "days early",
                "days late", "coverage", "pinball", "unknown"):
        table.add_column(col, justify="left" if col in ("segment", "method") else "right")
    segments = sorted(result.metrics["engine"], key=lambda s: (s != "all", s))
    for seg in segments:
        for method, per in result.metrics.items():
            m = per[seg]
            table.add_row(seg, method, str(m.n), f"{m.on_time_rate:.1%}",
                          f"{m.mean_promised_days:.2f}", f"{m.mean_days_early:.2f}",
                          f"{m.mean_days_late:.2f}", f"{m.interval_coverage:.1%}",
                          f"{m.pinball_loss:.3f}", str(m.unknown))
        table.add_section()
    Console(width=max(_out.width, 150)).print(table)
    write_reliability_svg(chart, result.reliability)
    _out.print(f"calibration chart → {chart}")
    if report is not None:
        report.write_text(json.dumps({
            "split": when.isoformat(), "level": level, "refits": result.refits,
            "metrics": {method: {seg: vars(m) for seg, m in per.items()}
                        for method, per in result.metrics.items()},
            "reliability": result.reliability,
        }, indent=2, default=str), encoding="utf-8")
        _out.print(f"report → {report}")
