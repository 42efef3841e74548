"""``doorstep slotting plan``: moves that shorten picking, with the walk they save."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import DB_OPTION, _container, ensure_current_schema

app = typer.Typer(help="Slotting: where SKUs should stand so pickers walk less.",
                  no_args_is_help=True)
console = cli_console()


@app.command("plan")
def plan(
    layout_file: Path = typer.Option(..., "--layout", exists=True, dir_okay=False,
                                     help="The warehouse layout (YAML/JSON, docs/picking.md)."),
    warehouse: str = typer.Option("BER", help="Warehouse code."),
    weeks: int = typer.Option(4, min=1, help="Order history to learn velocity from."),
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Propose moves (fast movers nearest the depot) and measure the walk they save on the
    last weeks' orders with the exact router."""
    from doorstep.adapters.layout_file import load_layout
    from doorstep.services.slotting import slotting_plan

    layout = load_layout(layout_file)
    c = _container(database_url)
    ensure_current_schema(c)
    with c.engine.connect() as conn:
        result = slotting_plan(conn, layout, warehouse=warehouse, weeks=weeks)
    if as_json:
        typer.echo(json.dumps({
            "moves": [{"sku": m.sku, "from": m.source, "to": m.target} for m in result.moves],
            "orders": result.orders, "walk_before_m": round(result.walk_before_m, 1),
            "walk_after_m": round(result.walk_after_m, 1), "saving": round(result.saving, 4)}))
        return
    table = Table(title=f"{len(result.moves)} moves")
    for col in ("sku", "from", "to"):
        table.add_column(col, no_wrap=True)
    for m in result.moves:
        table.add_row(m.sku, m.source, m.target)
    console.print(table)
    console.print(f"{result.orders} orders of the last {weeks} weeks, exact routes: "
                  f"{result.walk_before_m:,.0f} m now, {result.walk_after_m:,.0f} m after "
                  f"the moves ({result.saving:.1%} less)")
