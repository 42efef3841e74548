"""``doorstep pick``: routes, batches and waves.

Every command reads a layout file and a picks/orders file (YAML or JSON), prints JSON to
standard output and reports bad input on standard error as ``file:line: field: problem``
with exit code 2.  See ``docs/picking.md`` for the file formats and the algorithms.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console

if TYPE_CHECKING:  # the routers (and numpy) load with the command, not with ``--help``
    from doorstep.domain.picking import Layout

# Spelled out so that ``--help`` needs no router; ``tests/e2e/test_cli_startup.py`` checks
# they match ``doorstep.domain.picking.METHODS`` and ``BATCH_METHODS``.
ROUTING_METHODS = (
    "exact", "held-karp", "s-shape", "return", "midpoint", "largest-gap", "combined",
    "nearest-2opt",
)
BATCHING_METHODS = ("single", "fcfs", "seed", "savings")

app = typer.Typer(help="Plan pick routes, batches and waves.", no_args_is_help=True)
_err = cli_console(stderr=True)

LAYOUT = typer.Option(..., "--layout", "-l", help="Layout file (YAML or JSON).", exists=False)


def _fail(message: str) -> typer.Exit:
    _err.print(f"[red]error:[/red] {message}", highlight=False, markup=True)
    return typer.Exit(code=2)


def _emit(data: object) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n")


@app.command("route")
def route_cmd(
    layout: Path = LAYOUT,
    picks: Path = typer.Option(
        ..., "--picks", "-p", help="Picks file: list of location codes or of {location, sku, qty}."
    ),
    method: str = typer.Option(
        "exact", "--method", "-m", help=f"Routing method: {', '.join(ROUTING_METHODS)}."
    ),
    svg: Path | None = typer.Option(None, "--svg", help="Also draw layout and tour to this SVG."),
    compare: bool = typer.Option(
        False, "--compare", help="Print every method's distance as a table on standard error."
    ),
) -> None:
    """Route one picker through the picks; print stops, distance, method and polyline."""
    from doorstep.adapters.layout_file import (
        LayoutFileError,
        load_layout,
        picks_from_document,
        read_document,
    )
    from doorstep.domain.picking import LayoutError, render_svg, route

    try:
        lay = load_layout(layout)
        items = picks_from_document(read_document(picks), lay)
        tour = route(lay, [i.location for i in items], method)
        if compare:
            exact = tour if method == "exact" else route(lay, [i.location for i in items])
            _compare(lay, [i.location for i in items], exact.distance)
    except (LayoutFileError, LayoutError) as exc:
        raise _fail(str(exc)) from exc
    by_loc: dict[str, list[dict[str, object]]] = {}
    for item in items:
        if item.sku is not None or item.qty is not None:
            by_loc.setdefault(item.location, []).append({"sku": item.sku, "qty": item.qty})
    out = tour.as_dict()
    out["stops"] = [
        {"seq": n, "location": s.location, "x": s.x, "y": s.y}
        | ({"items": by_loc[s.location]} if s.location in by_loc else {})
        for n, s in enumerate(tour.stops, start=1)
    ]
    if svg is not None:
        svg.write_text(render_svg(lay, tour), encoding="utf-8")
        out["svg"] = str(svg)
    _emit(out)


def _compare(lay: Layout, locations: list[str], exact: float) -> None:
    from doorstep.domain.picking import METHODS, LayoutError, route

    table = Table(title="methods compared")
    for col in ("method", "distance (m)", "above exact"):
        table.add_column(col)
    for m in METHODS:
        try:
            d = route(lay, locations, m).distance
        except LayoutError as exc:
            table.add_row(m, "-", str(exc)[:60])
            continue
        table.add_row(m, f"{d:.1f}", f"{(d / exact - 1) * 100:.1f} %" if exact else "0 %")
    _err.print(table)


@app.command("batch")
def batch_cmd(
    layout: Path = LAYOUT,
    orders: Path = typer.Option(
        ...,
        "--orders",
        "-o",
        help="Orders file: list of {id, lines: [{sku, qty, location}], totes?, volume?, weight?}.",
    ),
    method: str = typer.Option(
        "savings", "--method", "-m", help=f"Batching method: {', '.join(BATCHING_METHODS)}."
    ),
    totes: int = typer.Option(8, "--totes", min=1, help="Totes per cart (orders per tour)."),
    volume: float | None = typer.Option(None, "--volume", help="Cart volume limit (litres)."),
    weight: float | None = typer.Option(None, "--weight", help="Cart weight limit (kg)."),
    no_local_search: bool = typer.Option(
        False, "--no-local-search", help="Skip the improvement step after seed/savings."
    ),
    routing: str = typer.Option("exact", "--routing", help="Routing method for tour lengths."),
) -> None:
    """Group orders into cart tours; print the batches and the single-order and FCFS baselines."""
    from doorstep.adapters.layout_file import (
        LayoutFileError,
        batch_orders_from_document,
        load_layout,
        read_document,
    )
    from doorstep.domain.picking import (
        BatchingError,
        Cart,
        LayoutError,
        plan_batches,
        tour_length,
        tour_length_bound,
    )

    try:
        lay = load_layout(layout)
        pick_orders = batch_orders_from_document(read_document(orders), lay)
        cart = Cart(totes, volume, weight)

        def length(locs: Sequence[str]) -> float:
            return tour_length(lay, locs, routing)

        def bound(locs: Sequence[str]) -> float:
            return tour_length_bound(lay, locs)

        results = {}
        with Progress(console=_err, transient=True) as progress:
            task = progress.add_task("batching", total=3)
            for name in (method, "single", "fcfs"):
                if name not in results:
                    results[name] = plan_batches(
                        pick_orders, cart, length, method=name,
                        local_search=not no_local_search,
                        monotone=routing == "exact", lower_bound=bound,
                    )
                progress.advance(task)
    except (LayoutFileError, LayoutError, BatchingError) as exc:
        raise _fail(str(exc)) from exc
    plan = results[method]
    out = plan.as_dict()
    out["baselines"] = {
        name: {
            "total_distance": round(results[name].distance, 3),
            "saving": round(1 - plan.distance / results[name].distance, 4)
            if results[name].distance
            else 0.0,
        }
        for name in ("single", "fcfs")
    }
    _emit(out)


def _parse_now(raw: str) -> datetime:
    from doorstep.domain.picking import WaveError

    try:
        return datetime.fromisoformat(raw)
    except ValueError as exc:
        raise WaveError(f"--now: {raw!r} is not an ISO 8601 timestamp") from exc


@app.command("wave")
def wave_cmd(
    layout: Path = LAYOUT,
    orders: Path = typer.Option(..., "--orders", "-o", help="Orders file (see docs/picking.md)."),
    now: str | None = typer.Option(
        None, "--now", help="Planning time, ISO 8601 with zone (default: the current time)."
    ),
    max_orders: int = typer.Option(40, "--max-orders", min=1, help="Orders per wave."),
    max_lines: int | None = typer.Option(None, "--max-lines", min=1, help="Lines per wave."),
    at_risk: int = typer.Option(
        120, "--at-risk-minutes", min=0, help="A cut-off this close is at risk and released first."
    ),
    totes: int = typer.Option(8, "--totes", min=1, help="Totes per cart."),
    batching: str = typer.Option("savings", "--batching", help="Batching method."),
    svg_dir: Path | None = typer.Option(
        None, "--svg-dir", help="Draw each pick list's tour into this directory (batch-N.svg)."
    ),
) -> None:
    """Release orders by cut-off, promise date, priority and age; print the pick lists."""
    from doorstep.adapters.layout_file import load_layout, read_document, wave_orders_from_document
    from doorstep.domain.picking import Cart, WaveError, WaveRules, plan_wave, render_svg

    try:
        planned_at = datetime.now(UTC) if now is None else _parse_now(now)
        if planned_at.tzinfo is None:
            raise WaveError("--now must carry a time zone, e.g. 2026-11-23T12:00:00+00:00")
        lay = load_layout(layout)
        wave_orders = wave_orders_from_document(read_document(orders), lay)
        rules = WaveRules(max_orders, max_lines, timedelta(minutes=at_risk))
        with _err.status(f"planning a wave from {len(wave_orders)} orders…"):
            wave = plan_wave(
                lay, wave_orders, planned_at, rules=rules, cart=Cart(totes), batching=batching
            )
    except ValueError as exc:  # LayoutFileError, LayoutError, WaveError, BatchingError
        raise _fail(str(exc)) from exc
    out = wave.as_dict()
    if svg_dir is not None:
        svg_dir.mkdir(parents=True, exist_ok=True)
        for pl in wave.pick_lists:
            drawing = render_svg(lay, pl.route(), title=f"wave batch {pl.batch}")
            (svg_dir / f"batch-{pl.batch}.svg").write_text(drawing, encoding="utf-8")
    _emit(out)
