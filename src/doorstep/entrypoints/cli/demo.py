"""``doorstep demo``: a fresh shop, a simulated day, then the live API."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

console = Console()


def demo(
    directory: Path = typer.Option(Path("demo"), "--dir", help="Folder for the demo database."),
    orders: int = typer.Option(1500, min=10, max=200_000, help="Orders in the simulated day."),
    serve: bool = typer.Option(True, "--serve/--no-serve",
                               help="Serve the API afterwards (Ctrl-C stops)."),
    port: int = typer.Option(8000, help="Port for the API."),
) -> None:
    """Create a fresh SQLite shop, feed it a simulated day of orders, then serve the API."""
    from doorstep.adapters.db.schema import upgrade
    from doorstep.bootstrap import make_engine
    from doorstep.demo.run import build_demo, fit_demo_model
    from doorstep.services.sites import DEMO_LAYOUT

    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "doorstep-demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path.resolve()}"
    engine = make_engine(url)
    upgrade(engine)
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), console=console) as bar:
        tasks = {
            "promise model": bar.add_task("promise model from a year of history", total=1),
            "catalogue and stock": bar.add_task("catalogue and stock", total=1),
            "intake": bar.add_task("intake", total=orders),
            "allocation and promises": bar.add_task("allocation and promises", total=1),
            "goods receipt for backorders": bar.add_task("goods receipt for backorders", total=1),
            "warehouse": bar.add_task("warehouse: release, pick, pack, ship", total=None),
        }

        def step(stage: str, n: int) -> None:
            bar.advance(tasks[stage], n)

        model_path = directory / "promise-model.json"
        fit_demo_model(model_path, until=date.today())
        step("promise model", 1)
        summary = build_demo(engine, order_count=orders, progress=step, model_path=model_path)
        bar.update(tasks["warehouse"], total=bar.tasks[tasks["warehouse"]].completed)
    table = Table(title="The demo day")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("products (valid GTINs)", str(summary.products))
    table.add_row("locations", str(summary.locations))
    table.add_row("orders accepted", str(summary.orders))
    table.add_row("SKUs restocked for backorders", str(summary.restocked_skus))
    table.add_row("waves released", str(summary.waves))
    table.add_row("walking in routed pick tours (m)", f"{summary.walking_m:,.0f}")
    table.add_row("short picks (re-allocated or backordered)", str(summary.short_picks))
    for status, count in sorted(summary.statuses.items()):
        table.add_row(f"  orders {status}", str(count))
    console.print(table)
    engine.dispose()
    base = f"http://127.0.0.1:{port}"
    console.print(f"Database: {db_path}")
    console.print(f"Open:  {base}/docs  (the API)\n       {base}/v1/orders/"
                  f"{summary.sample_order_id}  (one order's timeline, with its promise)\n"
                  f"       {base}/v1/promise?dest_country=DE&dest_postcode=10115&carrier=dhl"
                  f"&service=paket  (a checkout promise)\n       {base}/readyz")
    if serve:
        from doorstep.entrypoints.cli.core import serve as serve_api

        os.environ.setdefault("DOORSTEP_LAYOUT_PATH", str(DEMO_LAYOUT))
        os.environ.setdefault("DOORSTEP_PROMISE_MODEL_PATH", str(model_path.resolve()))
        serve_api(database_url=url, host="127.0.0.1", port=port, worker=True, access_log=False)
