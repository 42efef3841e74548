"""``doorstep load replay``: rehearse a launch against a running server (docs/peak.md)."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console

app = typer.Typer(help="Drive a running doorstep with a scenario's intake curve.",
                  no_args_is_help=True)
console = cli_console()
err = cli_console(stderr=True)


@app.command("replay")
def replay_cmd(
    scenario_path: Path = typer.Option(..., "--scenario", "-s", exists=True, dir_okay=False,
                                       help="Scenario file (TOML; see examples/peak/)."),
    url: str = typer.Option(..., "--url", help="The server, e.g. http://127.0.0.1:8000"),
    key: str | None = typer.Option(None, "--key", envvar="DOORSTEP_API_KEY",
                                   help="API key, sent as Authorization: Bearer KEY."),
    max_orders: int = typer.Option(1000, "--max-orders", min=1, max=1_000_000,
                                   help="Stop after this many orders."),
    max_seconds: float = typer.Option(60.0, "--max-seconds", min=0.1, max=86_400,
                                      help="Stop sending after this many real seconds."),
    speed: float = typer.Option(3600.0, "--speed", min=1.0,
                                help="Scenario seconds per real second (3600: an hour a "
                                     "second)."),
    concurrency: int = typer.Option(16, "--concurrency", min=1, max=1024,
                                    help="Requests in flight at most."),
    allow_remote: bool = typer.Option(False, "--allow-remote",
                                      help="Allow a target that is not a loopback address."),
    database_url: str | None = typer.Option(
        None, "--db", help="Check exactly-once in this database (default: through the API)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Send the scenario's orders as real POST /v1/orders; report rate, latency, errors,
    and whether every acknowledged order is stored exactly once."""
    from doorstep.simulation.replay import ReplayRefused, replay
    from doorstep.simulation.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(scenario_path)
    except ScenarioError as exc:
        err.print(f"[red]scenario error:[/] {exc}")
        raise typer.Exit(2) from exc
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=err, disable=as_json, transient=True) as bar:
        task = bar.add_task("POST /v1/orders", total=max_orders)
        try:
            result = replay(scenario, url.rstrip("/"), key=key, max_orders=max_orders,
                            max_seconds=max_seconds, speed=speed, concurrency=concurrency,
                            allow_remote=allow_remote, database_url=database_url,
                            on_sent=lambda n: bar.update(task, completed=n))
        except ReplayRefused as exc:
            err.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
    info = result.summary()
    ok = bool(info["exactly_once"].get("ok"))
    if as_json:
        typer.echo(json.dumps(info))
    else:
        table = Table(title=f"Replay of {scenario.name} ({info['scenario_hours']} scenario "
                            f"hours, channel {info['channel']})")
        table.add_column("figure")
        table.add_column("value", justify="right")
        table.add_row("orders sent", f"{info['sent']:,}")
        table.add_row("acknowledged", f"{info['acknowledged']:,}")
        table.add_row("achieved rate", f"{info['achieved_per_s']:,} orders/s")
        table.add_row("latency p50 / p99", f"{info['p50_ms']} / {info['p99_ms']} ms")
        table.add_row("errors", ", ".join(f"{k}: {v}" for k, v in info["errors"].items())
                      or "none")
        check = info["exactly_once"]
        verdict = ("yes" if ok else f"unknown: {check['error']}" if "error" in check
                   else f"NO: {check['missing']} missing, {check['duplicated']} duplicated")
        table.add_row(f"exactly once ({check['via']})", verdict)
        console.print(table)
    if not ok or info["errors"]:
        raise typer.Exit(1)
