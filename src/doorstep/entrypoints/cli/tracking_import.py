"""``doorstep import tracking``: a carrier payload onto the order timelines.

Registered by ``cli/harmonise.py`` as ``import_app.command("tracking")(tracking)``.  The
work is the tracking-ingest use case (``services.tracking_ingest``), the same one the
carrier webhook runs; this module reads the file and prints the report — a table, every
event produced (``--show``) or the webhook's JSON (``--json``).  A carrier error response
("no shipment found") is listed, never turned into events, and exits 1 with the carrier's
message when the payload held nothing else.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import (
    DB_OPTION,
    _container,
    ensure_current_schema,
    profiles_dir,
)

if TYPE_CHECKING:  # the pipeline (YAML, profiles) and the database load with the command
    from doorstep.services.tracking_ingest import IngestReport

__all__ = ["tracking"]

console = cli_console()
err = cli_console(stderr=True)


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(file).read_bytes()
    except OSError as exc:
        err.print(f"[red]cannot read {file}:[/] {exc.strerror or exc}")
        raise typer.Exit(2) from exc


def tracking(
    file: str = typer.Argument(..., help="Carrier payload (JSON, XML or CSV), or - for stdin."),
    profile: str = typer.Option(
        ..., "--profile", "-p",
        help="Built-in tracking profile (dhl-unified, dhl-parcel-de, dpd, gls, ups, hermes, "
        "carrier-csv) or a profile file path.",
    ),
    tracking_number: str | None = typer.Option(
        None, "--tracking-number", "-t",
        help="The parcel number, for feeds whose answer does not repeat it (DPD).",
    ),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Map and validate only; write nothing to the database."
    ),
    show: bool = typer.Option(False, "--show", help="List every event produced."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Import carrier tracking events onto the order timelines.

    Each event is mapped to the canonical vocabulary (docs/vocabulary.md), validated and
    de-duplicated. Faulty events are quarantined with reason codes and their original
    payload (see `doorstep quarantine list`); carrier error responses are listed, never
    turned into events. Ends with a summary: accepted, quarantined, duplicates.
    """
    from doorstep.adapters.importers.profile_engine import ProfileError, load_profile
    from doorstep.services.tracking_ingest import ingest_tracking

    try:
        loaded = load_profile(profile, "tracking", user_dir=profiles_dir())
    except ProfileError as exc:
        err.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from exc
    engine = None
    if not dry_run:
        container = _container(database_url)
        ensure_current_schema(container)
        engine = container.engine
    context = {"tracking_number": tracking_number} if tracking_number else {}
    payload = _read(file)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err,
                  transient=True) as progress:
        progress.add_task(f"importing {loaded.name} tracking", total=None)
        try:
            report = ingest_tracking(engine, loaded, payload, context=context)
        except ProfileError as exc:
            err.print(f"[red]profile error:[/] {exc}")
            raise typer.Exit(2) from exc
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print(report, show=show)
    if report.source_errors and not (report.stored or report.duplicates or report.held):
        first = report.source_errors[0]
        err.print(f"[red]the carrier answered with an error:[/] {first.code}: {first.message}")
        raise typer.Exit(1)


def _print(report: IngestReport, *, show: bool) -> None:
    summary = report.summary
    table = Table(title="Import summary" + ("" if report.written
                                            else " (dry run: nothing written)"))
    for name in ("source", "accepted", "quarantined", "duplicates", "no events", "total"):
        table.add_column(name, justify="left" if name == "source" else "right")
    held = f"[yellow]{summary.quarantined}[/]" if summary.quarantined else "0"
    empty = f"[yellow]{summary.no_events}[/]" if summary.no_events else "0"
    table.add_row(summary.source, str(summary.accepted), held, str(summary.duplicates), empty,
                  str(summary.total))
    console.print(table)
    for record in report.without_events:
        console.print(f"  [yellow]warning[/] {record.message}")
    if report.unmatched:
        console.print(f"  {report.unmatched} accepted event(s) match no shipment yet; they are "
                      "stored and attached when the shipment is recorded.")
    if report.delivered_orders:
        console.print(f"  delivered: {', '.join(report.delivered_orders)}")
    if report.skipped_milestones:
        console.print(f"  {report.skipped_milestones} item(s) left out by the profile's "
                      "where/skip rules (milestones not yet reached, codes that are no scans).")
    for error in report.source_errors:
        about = f" ({error.reference})" if error.reference else ""
        console.print(f"  [red]carrier error[/] {error.code}{about}: {error.message}")
    for item in report.held:
        codes = ", ".join(f"{r.code.value}({r.field})" for r in item.reasons)
        ref = f"#{item.quarantine_id} " if item.quarantine_id is not None else ""
        console.print(f"  quarantined {ref}{item.record_key}: {codes}")
        for reason in item.reasons:
            console.print(f"      {reason.message}", style="dim")
    if show:
        _print_events(report)


def _print_events(report: IngestReport) -> None:
    table = Table(title="Events produced")
    for name in ("tracking number", "occurred at", "offset", "status", "code", "label",
                 "text", "location", "weight g"):
        ids = name in ("tracking number", "occurred at", "code")
        table.add_column(name, no_wrap=ids, overflow="ellipsis" if ids else "fold")
    for e in report.stored:
        place = ", ".join(x for x in (e.location.city, e.location.country) if x)
        offset = "" if e.utc_offset_minutes is None else f"{e.utc_offset_minutes:+d} min"
        table.add_row(e.tracking_number, e.occurred_at.isoformat(), offset, e.status.value,
                      e.raw_code, e.raw_label or "", e.raw_text or "", place,
                      "" if e.weight_g is None else str(e.weight_g))
    console.print(table)
