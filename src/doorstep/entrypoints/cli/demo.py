"""``doorstep demo``: a week of a small German shop through the real services, then the API."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console

if TYPE_CHECKING:
    from sqlalchemy import Engine

console = cli_console()


def demo(
    directory: Path = typer.Option(Path("demo"), "--dir", help="Folder for the demo database."),
    orders: int = typer.Option(160, "--orders", min=5, max=5_000,
                               help="Orders on an average day of the simulated week."),
    days: int = typer.Option(7, "--days", min=1, max=28, help="Days simulated, ending today."),
    serve: bool = typer.Option(True, "--serve/--no-serve",
                               help="Serve the API afterwards (Ctrl-C stops)."),
    host: str | None = typer.Option(None, help="Interface (default: DOORSTEP_HOST or "
                                               "127.0.0.1)."),
    port: int | None = typer.Option(None, help="Port (default: DOORSTEP_PORT or 8000)."),
) -> None:
    """Build a fresh SQLite shop, run a week of it through the real services on a simulated
    clock (orders, waves, picks, packs, hand-overs, carrier scans, quarantine), then serve."""
    from doorstep.adapters.db.schema import upgrade
    from doorstep.adapters.promise_store import save_model
    from doorstep.bootstrap import make_engine
    from doorstep.demo.week import build_week
    from doorstep.services.sites import DEMO_LAYOUT
    from doorstep.settings import SettingsError, load_settings
    from doorstep.simulation.promises import synthetic_model

    try:
        settings = load_settings()
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    host = host or settings.host
    port = port or settings.port
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    db_path = directory / "doorstep-demo.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    url = f"sqlite:///{db_path}"
    engine = make_engine(url, sqlite_synchronous="OFF")  # a throw-away build; served FULL
    upgrade(engine)
    today = datetime.now(UTC).date()
    with Progress(TextColumn("[bold]{task.description}"), BarColumn(),
                  TextColumn("{task.percentage:>3.0f}%"), TimeElapsedColumn(),
                  console=console) as bar:
        tasks = {
            "promise model": bar.add_task("promise model from a year of history", total=1),
            "catalogue and stock": bar.add_task("catalogue and stock", total=1),
            "the week": bar.add_task(f"{days} days: intake, waves, picks, packs, hand-overs",
                                     total=1.0),
            "carrier scans": bar.add_task("carrier scans of the following days", total=None),
        }

        def step(stage: str, value: float) -> None:
            if stage == "the week":
                bar.update(tasks[stage], completed=value)
            else:
                bar.advance(tasks[stage], value)

        model_path = directory / "promise-model.json"
        model = synthetic_model(today - timedelta(days=days))
        save_model(model_path, model)
        step("promise model", 1)
        summary = build_week(engine, directory, model=model, model_path=model_path,
                             orders_per_day=orders, days=days, until=today, progress=step)
        bar.update(tasks["carrier scans"], total=bar.tasks[tasks["carrier scans"]].completed)
    password, key = demo_credentials(engine)
    engine.dispose()
    _print_summary(summary)
    env = {"DOORSTEP_DATABASE_URL": url, "DOORSTEP_LAYOUT_PATH": str(DEMO_LAYOUT),
           "DOORSTEP_PROMISE_MODEL_PATH": str(model_path),
           "DOORSTEP_CAPACITY_PLAN_PATH": str(summary.scenario),
           "DOORSTEP_WAREHOUSE": summary.warehouse}
    base = f"http://{host}:{port}"
    lines = [
        "",
        f"Log in:   {base}/login   as admin, password {password}",
        f"API key:  {key}   (admin; send it as 'Authorization: Bearer {key}')",
        "",
        "Open:",
        f"  {base}/docs",
        f"  {base}/v1/orders/{summary.sample_order_id}",
        f"  {base}/v1/promise?dest_country=DE&dest_postcode=10115&carrier=dhl&service=paket",
        f"  {base}/v1/promise?dest_country=AT&dest_postcode=1010&carrier=dhl&service=paket",
        f"  {base}/readyz",
        "",
        "Use the CLI on the demo's data (paste into your shell):",
        *(f"  export {k}={v}" for k, v in env.items()),
        f"  export DOORSTEP_API_KEY={key}",
        "  doorstep quarantine list",
        f"  doorstep load replay --scenario {summary.scenario} --url {base} --max-orders 200",
        f"  doorstep peak simulate --scenario {summary.scenario}",
    ]
    for line in lines:  # plain lines: a long URL is never wrapped or cut
        typer.echo(line)
    if serve:
        from doorstep.entrypoints.cli.core import serve as serve_api

        for name, value in env.items():
            os.environ.setdefault(name, value)
        serve_api(database_url=url, host=host, port=port, worker=True, access_log=False)


def _print_summary(summary: object) -> None:
    from doorstep.demo.week import WeekSummary

    assert isinstance(summary, WeekSummary)
    table = Table(title=f"The demo week ({summary.first_day} + {summary.days} days)")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("products (valid GTINs)", str(summary.products))
    table.add_row("orders accepted", str(summary.orders))
    table.add_row("waves released", str(summary.waves))
    table.add_row("short picks (re-allocated or backordered)", str(summary.short_picks))
    table.add_row("SKUs restocked mid-week", str(summary.restocked_skus))
    table.add_row("carrier scans imported", str(summary.scans.scans))
    table.add_row("faulty scans in quarantine", str(summary.scans.quarantined))
    for story, number in sorted(summary.scans.stories.items()):
        table.add_row(f"  parcel with a {story}", number)
    for status, count in sorted(summary.statuses.items()):
        table.add_row(f"  orders {status}", str(count))
    console.print(table)


def demo_credentials(engine: Engine) -> tuple[str, str]:
    """A demo admin (user ``admin``, random password) and an admin API key, for the demo
    database only; both are printed once."""
    import secrets

    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.access import Role
    from doorstep.services import api_keys, staff

    password = secrets.token_urlsafe(12)
    with transaction(engine, write=True) as conn:
        staff.add_user(conn, "admin", password, Role.ADMIN)
        _, key = api_keys.create_key(conn, name="demo-admin", role=Role.ADMIN,
                                     created_by="demo")
    return password, key
