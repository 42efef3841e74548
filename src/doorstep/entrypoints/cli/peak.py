"""``doorstep peak simulate`` and ``doorstep peak plan``: will next Friday hold?"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console

if TYPE_CHECKING:
    from doorstep.simulation.model import RunResult
    from doorstep.simulation.scenario import Scenario

app = typer.Typer(help="Simulate a coming peak on the shop's own operation (see docs/peak.md).",
                  no_args_is_help=True)
console = cli_console()
err = cli_console(stderr=True)

SCENARIO = typer.Option(..., "--scenario", "-s", exists=True, dir_okay=False,
                        help="Scenario file (TOML; see examples/peak/).")
SEED = typer.Option(None, "--seed", help="Random seed (default: the scenario's).")
OUT = typer.Option(Path("peak-report"), "--out", help="Folder for the SVG charts and report.html.")
JSON = typer.Option(False, "--json", help="Print the figures as one JSON object instead.")
DB = typer.Option(None, "--db", envvar="DOORSTEP_DATABASE_URL",
                  help="Order book to learn the intake curve and service times from "
                       "(when the scenario says from_database = true).")


def _load(path: Path, seed: int | None, database_url: str | None) -> Scenario:
    from doorstep.simulation.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        err.print(f"[red]scenario error:[/] {exc}")
        raise typer.Exit(2) from exc
    if seed is not None:
        scenario = scenario.with_seed(seed)
    if scenario.intake.from_database:
        from doorstep.simulation.orderbook import learn_from_database

        if not database_url:
            err.print("[red]scenario error:[/] intake.from_database is true but no database "
                      "is given (--db or DOORSTEP_DATABASE_URL)")
            raise typer.Exit(2)
        scenario, learned = learn_from_database(scenario, database_url)
        err.print(f"learned from the order book: {learned}")
    return scenario


def _staff(text: str) -> dict[str, int]:
    from doorstep.domain.staffing import StaffingError, parse_staff_changes

    try:
        return parse_staff_changes(text)
    except StaffingError as exc:
        err.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc


def _model(scenario: Scenario) -> tuple[Any, str]:
    from doorstep.adapters.promise_store import ModelFileError
    from doorstep.simulation.promises import model_for

    try:
        return model_for(scenario)
    except ModelFileError as exc:
        err.print(f"[red]promise.model:[/] {exc}")
        raise typer.Exit(2) from exc


def _progress(quiet: bool) -> Progress:
    return Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                    TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                    console=err, disable=quiet, transient=True)


@app.command("simulate")
def simulate_cmd(scenario_path: Path = SCENARIO,
                 staff: str = typer.Option("", "--staff",
                                           help="What-if: added staff per shift, e.g. "
                                                "pick=+2,pack=+1."),
                 seed: int | None = SEED, out: Path = OUT, as_json: bool = JSON,
                 database_url: str | None = DB) -> None:
    """Run the scenario; print and draw backlogs, cut-offs, promises and the first bottleneck."""
    from doorstep.simulation.report import summary, write_report
    from doorstep.simulation.runner import simulate

    scenario = _load(scenario_path, seed, database_url)
    added = _staff(staff)
    with _progress(as_json) as bar:
        fit = bar.add_task("promise model", total=1)
        model, source = _model(scenario)
        bar.advance(fit)
        task = bar.add_task(f"simulating {scenario.days} days", total=1.0)
        result = simulate(scenario, added=added, model=model, model_source=source,
                          progress=lambda done, total: bar.update(task, completed=done / total))
    report = write_report(result, out)
    info = summary(result)
    info["report"] = str(report.resolve())
    if as_json:
        typer.echo(json.dumps(info))
        return
    _print(result, info)


def _print(result: RunResult, info: dict[str, Any]) -> None:
    neck = info["first_bottleneck"]
    p = info["promises"]
    table = Table(title=f"{result.scenario.name} — {result.scenario.days} days, "
                        f"seed {result.scenario.seed}")
    table.add_column("figure")
    table.add_column("value", justify="right")
    table.add_row("orders", f"{info['orders']:,}")
    table.add_row("handed to carriers", f"{info['shipped']:,}")
    table.add_row("backlog at the end", f"{info['backlog_at_end']:,}")
    table.add_row("promises kept", f"{p['kept_share']:.1%} ({p['kept']:,} kept, "
                                   f"{p['broken']:,} broken, {p['open']:,} open)")
    table.add_row("orders missing a cut-off", f"{info['missed_cutoffs']:,}")
    for station, u in info["utilisation"].items():
        table.add_row(f"utilisation {station} (mean / peak hour)",
                      f"{u:.0%} / {info['peak_utilisation'][station]:.0%}")
    if result.added:
        table.add_row("added staff per shift",
                      ", ".join(f"{k} {v:+d}" for k, v in result.added.items()))
    console.print(table)
    worst = sorted((c for c in info["cutoffs"] if c["missed"]), key=lambda c: -c["missed"])[:5]
    if worst:
        cut = Table(title="Cut-offs missed most")
        for col in ("carrier", "pick-up", "due", "missed"):
            cut.add_column(col)
        for c in worst:
            cut.add_row(c["carrier"], c["at"][:16].replace("T", " "), str(c["due"]),
                        str(c["missed"]))
        console.print(cut)
    if neck is None:
        console.print("[green]No bottleneck:[/] every station kept up.")
    else:
        console.print(f"[red]First bottleneck:[/] {neck['station']} at {neck['at']} "
                      f"({neck['utilisation']:.0%} busy, {neck['queue']:,} orders waiting)")
    console.print(f"Report: {info['report']}")


@app.command("plan")
def plan_cmd(scenario_path: Path = SCENARIO,
             target: float = typer.Option(0.95, "--target", min=0.5, max=0.999,
                                          help="Share of promises to keep."),
             max_runs: int = typer.Option(16, "--max-runs", min=1, max=60,
                                          help="Simulations the search may run."),
             seed: int | None = SEED, out: Path = OUT, as_json: bool = JSON,
             database_url: str | None = DB) -> None:
    """Find the smallest staff added per shift that keeps ``--target`` of the promises."""
    from doorstep.simulation.plan import plan_staff
    from doorstep.simulation.report import summary, write_report

    scenario = _load(scenario_path, seed, database_url)
    with _progress(as_json) as bar:
        fit = bar.add_task("promise model", total=1)
        model, source = _model(scenario)
        bar.advance(fit)
        task = bar.add_task("searching staff", total=max_runs)

        def step(added: dict[str, int], result: RunResult) -> None:
            bar.advance(task)
            if not as_json:
                staff = ", ".join(f"{k} {v:+d}" for k, v in added.items() if v) or "as planned"
                err.print(f"  {staff}: {result.kept_share:.1%} kept")

        found = plan_staff(scenario, target, model=model, model_source=source,
                           max_runs=max_runs, on_run=step)
    report = write_report(found.result, out)
    info = {"target": target, "met": found.met, "added_staff": found.added,
            "kept_share": round(found.result.kept_share, 4), "runs": len(found.tried),
            "tried": [{"added": a, "kept_share": round(k, 4)} for a, k in found.tried],
            "summary": summary(found.result), "report": str(report.resolve())}
    if as_json:
        typer.echo(json.dumps(info))
        return
    staff = ", ".join(f"{k} {v:+d}" for k, v in found.added.items()) or "no one"
    if found.met:
        console.print(f"[green]Add {staff} per shift[/] to keep "
                      f"{found.result.kept_share:.1%} of promises (target {target:.0%}).")
    else:
        console.print(f"[red]Target {target:.0%} not reached[/] in {len(found.tried)} runs; "
                      f"best so far with {staff}: {found.result.kept_share:.1%}.")
    console.print(f"Report: {info['report']}")
