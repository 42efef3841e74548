"""``doorstep import tracking``: a carrier payload onto the order timelines.

Registered by ``cli/harmonise.py`` as ``import_app.command("tracking")(tracking)``.
Accepted events go to ``SINK_FACTORY`` (the order timeline by default), held events to
the quarantine store with their reasons and original payload, and carrier error
responses are listed — never turned into events.  ``SINK_FACTORY`` and
``SHIPMENTS_FACTORY`` are seams that tests replace.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn
from rich.table import Table

from doorstep.entrypoints.cli.core import DB_OPTION, _container, ensure_current_schema

if TYPE_CHECKING:  # the pipeline (YAML, profiles) and the database load with the command
    from doorstep.adapters.importers.tracking_index import DedupIndex
    from doorstep.adapters.importers.tracking_pipeline import ShipmentLookup, TrackingBatch
    from doorstep.bootstrap import Container
    from doorstep.domain.harmonise.tracking import TrackingEvent

__all__ = ["SHIPMENTS_FACTORY", "SINK_FACTORY", "tracking"]

console = Console()
err = Console(stderr=True)

RecordingSink = Callable[[Sequence["TrackingEvent"]], list[str]]
"""Stores events; returns per event ``added``, ``duplicate`` or ``unmatched``."""


def _timeline_sink(container: Container) -> RecordingSink:
    from doorstep.services.tracking_timeline import record_tracking_event

    def sink(events: Sequence[TrackingEvent]) -> list[str]:
        with container.engine.begin() as conn:
            return [record_tracking_event(conn, event) for event in events]

    return sink


def _shipments_from_db(container: Container) -> ShipmentLookup:
    """Hand-over time and packed weight of the shipments doorstep created."""
    from doorstep.services.tracking_memory import shipment_lookup

    return shipment_lookup(container.engine)


def _stored_index(container: Container) -> DedupIndex:
    """Remembers the events already stored, so checks span earlier imports."""
    from doorstep.services.tracking_memory import StoredEventsIndex

    return StoredEventsIndex(container.engine)


SINK_FACTORY: Callable[[Container], RecordingSink] = _timeline_sink
SHIPMENTS_FACTORY: Callable[[Container], ShipmentLookup] = _shipments_from_db


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
    database_url: str | None = DB_OPTION,
) -> None:
    """Import carrier tracking events onto the order timelines.

    Each event is mapped to the canonical vocabulary (docs/vocabulary.md), validated and
    de-duplicated. Faulty events are quarantined with reason codes and their original
    payload (see `doorstep quarantine list`); carrier error responses are listed, never
    turned into events. Ends with a summary: accepted, quarantined, duplicates.
    """
    from doorstep.adapters.importers.profile_engine import ProfileError
    from doorstep.adapters.importers.tracking_pipeline import TrackingPipeline

    container = None if dry_run else _container(database_url)
    if container is not None:
        ensure_current_schema(container)
    try:
        pipeline = TrackingPipeline(
            profile, shipments=SHIPMENTS_FACTORY(container) if container else None,
            index=_stored_index(container) if container else None)
    except ProfileError as exc:
        err.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from exc
    context = {"tracking_number": tracking_number} if tracking_number else {}
    payload = _read(file)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), console=err,
                  transient=True) as progress:
        progress.add_task(f"importing {pipeline.profile.name} tracking", total=None)
        batch = pipeline.process(payload, context)
        unmatched = 0
        if container is not None:
            unmatched = _store(container, batch)
    _report(batch, unmatched, dry_run)


def _store(container: Container, batch: TrackingBatch) -> int:
    """Write accepted events and hold quarantined ones; returns events with no shipment."""
    from doorstep.adapters.importers.tracking_quarantine import hold_batch
    from doorstep.adapters.quarantine_store import QuarantineStore

    outcomes = SINK_FACTORY(container)(batch.accepted) if batch.accepted else []
    already = [e for e, o in zip(batch.accepted, outcomes, strict=True) if o == "duplicate"]
    if already:
        batch.accepted = [e for e, o in zip(batch.accepted, outcomes, strict=True)
                          if o != "duplicate"]
        batch.duplicates.extend(already)
    if batch.held:
        ids = hold_batch(QuarantineStore(container.session_factory), batch)
        for held, record_id in zip(batch.held, ids, strict=True):
            held.record_key = f"#{record_id} {held.record_key}"
    return sum(1 for o in outcomes if o == "unmatched")


def _report(batch: TrackingBatch, unmatched: int, dry_run: bool) -> None:
    summary = batch.summary
    table = Table(title="Import summary" + (" (dry run: nothing written)" if dry_run else ""))
    for name in ("source", "accepted", "quarantined", "duplicates", "total"):
        table.add_column(name, justify="left" if name == "source" else "right")
    held = f"[yellow]{summary.quarantined}[/]" if summary.quarantined else "0"
    table.add_row(summary.source, str(summary.accepted), held, str(summary.duplicates),
                  str(summary.total))
    console.print(table)
    if unmatched:
        console.print(f"  {unmatched} accepted event(s) match no shipment yet; they are stored "
                      "and attached when the shipment is recorded.")
    if batch.skipped_milestones:
        console.print(f"  {batch.skipped_milestones} milestone(s) not yet reached were skipped "
                      "(announced by the carrier, not scanned).")
    for error in batch.source_errors:
        about = f" ({error.reference})" if error.reference else ""
        console.print(f"  [red]carrier error[/] {error.code}{about}: {error.message}")
    for item in batch.held:
        codes = ", ".join(f"{r.code.value}({r.field})" for r in item.reasons)
        console.print(f"  quarantined {item.record_key}: {codes}")
        for reason in item.reasons:
            console.print(f"      {reason.message}", style="dim")
