"""``doorstep wave``: release waves from the order book and confirm picks."""

from __future__ import annotations

import json
from typing import Any

import typer
from rich.table import Table

from doorstep.domain.errors import DomainError
from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import DB_OPTION, _container, ensure_current_schema

app = typer.Typer(help="Release waves from the order book and confirm picks.",
                  no_args_is_help=True)
console = cli_console()
LAYOUT = typer.Option(None, "--layout", help="Warehouse layout file (default: settings).")


def _print_wave(wave: dict[str, Any], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(wave, indent=2, default=str))
        return
    console.print(f"[bold]{wave['id']}[/]: {len(wave['released'])} orders released, "
                  f"{wave['total_distance_m']} m walking")
    for pick_list in wave["pick_lists"]:
        table = Table(title=f"cart {pick_list['batch']}")
        for col in ("task", "#", "location", "sku", "qty", "tote", "order", "status"):
            table.add_column(col)
        for ln in pick_list["lines"]:
            table.add_row(str(ln["task_id"]), str(ln["seq"]), ln["location"], ln["sku"],
                          str(ln["quantity"]), str(ln["tote"]), ln["order_id"], ln["status"])
        console.print(table)


@app.command("release")
def release(
    database_url: str | None = DB_OPTION,
    layout: str | None = LAYOUT,
    max_orders: int = typer.Option(40, min=1, help="Orders this wave may hold."),
    totes: int = typer.Option(8, min=1, help="Orders per cart."),
    batching: str = typer.Option("savings", help="savings | seed | fcfs | single"),
    as_json: bool = typer.Option(False, "--json", help="Print the wave as JSON."),
) -> None:
    """Release the most urgent allocated orders as one wave and print its pick lists."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.picking.batching import Cart
    from doorstep.domain.picking.waves import WaveRules
    from doorstep.services.sites import site_from_settings
    from doorstep.services.waves import release_wave

    c = _container(database_url)
    ensure_current_schema(c)
    try:
        site = site_from_settings(c.settings, layout)
        with transaction(c.engine, write=True) as conn:
            wave = release_wave(conn, site, rules=WaveRules(max_orders=max_orders),
                                cart=Cart(totes=totes), batching=batching, actor="cli")
    except (DomainError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    _print_wave(wave, as_json)


@app.command("show")
def show(wave_id: str, database_url: str | None = DB_OPTION,
         as_json: bool = typer.Option(False, "--json", help="Print as JSON.")) -> None:
    """Show a wave's pick lists and the state of each task."""
    from doorstep.services.waves import wave_view

    c = _container(database_url)
    try:
        with c.engine.connect() as conn:
            wave = wave_view(conn, wave_id)
    except DomainError as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    _print_wave(wave, as_json)


@app.command("confirm")
def confirm(task_id: int, picked: int = typer.Argument(..., help="Units actually taken."),
            database_url: str | None = DB_OPTION, layout: str | None = LAYOUT,
            actor: str = typer.Option("cli", help="Who picked.")) -> None:
    """Confirm a pick task; fewer units than asked is a short pick (re-allocate or backorder)."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.services.sites import site_from_settings
    from doorstep.services.waves import confirm_pick

    c = _container(database_url)
    try:
        site = site_from_settings(c.settings, layout)
        with transaction(c.engine, write=True) as conn:
            result = confirm_pick(conn, site, task_id, picked, actor=actor)
    except (DomainError, ValueError) as exc:
        console.print(f"[red]error:[/] {exc}")
        raise typer.Exit(2) from exc
    typer.echo(json.dumps(result, indent=2))
