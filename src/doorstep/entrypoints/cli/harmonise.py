"""``doorstep import``, ``doorstep profile`` and ``doorstep quarantine``.

Every import ends with a summary per source — accepted, quarantined, duplicates — so an
operator sees at once that nothing was dropped.  Intake is reached through
``INTAKE_FACTORY`` (``services.intake.accept_order`` by default), which tests replace.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.syntax import Syntax
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import (
    DB_OPTION,
    _container,
    cli_actor,
    ensure_current_schema,
    profiles_dir,
)
from doorstep.entrypoints.cli.tracking_import import tracking

if TYPE_CHECKING:  # the mappers (pydantic, YAML) and the store (SQLAlchemy) load on use
    from doorstep.adapters.importers.order_mapping import OrderMapper
    from doorstep.adapters.importers.profile_check import Finding
    from doorstep.adapters.quarantine_store import QuarantineStore
    from doorstep.bootstrap import Container
    from doorstep.domain.harmonise.summary import ImportSummary
    from doorstep.services.order_import import IntakePort, OrderResult

console = cli_console()
err = cli_console(stderr=True)


class ReleaseProfile(StrEnum):
    """``quarantine release --profile``: the kept copy, or the profile as it is now."""

    held = "held"
    current = "current"


import_app = typer.Typer(help="Import shop orders and carrier tracking.", no_args_is_help=True)
profile_app = typer.Typer(help="Check mapping profiles against samples.", no_args_is_help=True)
quarantine_app = typer.Typer(
    help="Inspect, correct, release or reject quarantined records.", no_args_is_help=True
)


def _default_intake(container: Container) -> IntakePort:
    from doorstep.services.order_import import engine_intake

    return engine_intake(container.engine)


INTAKE_FACTORY: Callable[[Container], IntakePort] = _default_intake
"""Seam: how the CLI reaches order intake (tests put a fake here)."""


def _read(file: str) -> bytes:
    if file == "-":
        return sys.stdin.buffer.read()
    path = Path(file)
    try:
        return path.read_bytes()
    except OSError as exc:
        err.print(f"[red]cannot read {file}:[/] {exc.strerror or exc}")
        raise typer.Exit(2) from exc


def _store(container: Container) -> QuarantineStore:
    from doorstep.services.order_import import build_quarantine_store

    ensure_current_schema(container)
    return build_quarantine_store(container.engine, INTAKE_FACTORY(container),
                                  profiles_dir=container.settings.profiles_dir)


def summary_table(summaries: list[ImportSummary]) -> Table:
    """The per-source summary every import ends with."""
    table = Table(title="Import summary")
    table.add_column("source")
    for name in ("accepted", "quarantined", "duplicates", "total"):
        table.add_column(name, justify="right")
    for s in summaries:
        held = f"[yellow]{s.quarantined}[/]" if s.quarantined else "0"
        table.add_row(s.source, str(s.accepted), held, str(s.duplicates), str(s.total))
    return table


# -- import ---------------------------------------------------------------------


@import_app.command("orders")
def import_orders(
    files: list[str] = typer.Argument(..., help="Order files to import, or - for stdin."),
    profile: str = typer.Option(
        ...,
        "--profile",
        "-p",
        help="Built-in orders profile (shopify, woocommerce, "
        "shopify-webhook, shopware6, magento2, orders-csv) or a profile file path.",
    ),
    database_url: str | None = DB_OPTION,
) -> None:
    """Import shop orders through the same idempotent intake as the API.

    Faulty orders are quarantined with reason codes (see `doorstep quarantine list`);
    an order already imported with the same content counts as a duplicate.
    """
    from doorstep.adapters.importers.order_mapping import load_order_mapper
    from doorstep.adapters.importers.profile_engine import ProfileError
    from doorstep.domain.harmonise.summary import ImportSummary
    from doorstep.services.order_import import Decision, OrderImporter, build_quarantine_store

    container = _container(database_url)
    try:
        mapper: OrderMapper = load_order_mapper(profile, container.settings.profiles_dir)
    except ProfileError as exc:
        err.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from exc
    ensure_current_schema(container)
    intake = INTAKE_FACTORY(container)
    store = build_quarantine_store(container.engine, intake,
                                   profiles_dir=container.settings.profiles_dir)
    importer = OrderImporter(mapper, intake, store)
    summary = ImportSummary(mapper.name)
    held: list[OrderResult] = []
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} files"),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task(f"importing {mapper.name}", total=len(files))
        for file in files:
            report = importer.import_document(_read(file))
            summary = summary.merge(report.summary)
            held += [r for r in report.results if r.decision is Decision.quarantined]
            progress.advance(task)
    console.print(summary_table([summary]))
    for result in held:
        codes = ", ".join(f"{r.code.value}({r.field})" for r in result.reasons)
        console.print(f"  quarantined #{result.quarantine_id} {result.record_key}: {codes}")


import_app.command("tracking")(tracking)


# -- profile check -----------------------------------------------------------------


@profile_app.command("check")
def profile_check(
    profile: str = typer.Option(..., "--profile", "-p", help="Profile name or file path."),
    sample: Path = typer.Option(
        ...,
        "--sample",
        "-s",
        help="A sample payload to lint against.",
        exists=True,
        dir_okay=False,
        readable=True,
    ),
) -> None:
    """Lint a profile against sample data.

    Reports fields left unmapped, values without a vocabulary entry, raw labels mapped to
    different canonical values by other profiles, and unit and date parse failures.
    Exits with status 1 when an error was found.
    """
    from doorstep.adapters.importers.asn_mapping import check_asn_profile
    from doorstep.adapters.importers.order_mapping import OrderMapper
    from doorstep.adapters.importers.profile_check import check_profile
    from doorstep.adapters.importers.profile_engine import ProfileError, load_profile

    try:
        loaded = load_profile(profile, user_dir=profiles_dir())
        if loaded.kind == "orders":
            OrderMapper(loaded)  # the rules of the import: known field names per kind
        elif loaded.kind == "asn":
            check_asn_profile(loaded)
    except ProfileError as exc:
        err.print(f"[red]profile error:[/] {exc}")
        raise typer.Exit(2) from exc
    findings = check_profile(loaded, sample.read_bytes())
    _print_findings(loaded.name, findings)
    if any(f.severity == "error" for f in findings):
        raise typer.Exit(1)


def _print_findings(name: str, findings: list[Finding]) -> None:
    if not findings:
        console.print(f"[green]{name}: no findings[/]")
        return
    table = Table(title=f"profile check: {name}")
    for column in ("severity", "kind", "field", "message"):
        table.add_column(column, overflow="fold")
    colour = {"error": "red", "warning": "yellow", "info": "dim"}
    for f in sorted(findings, key=lambda f: ("error", "warning", "info").index(f.severity)):
        table.add_row(f"[{colour[f.severity]}]{f.severity}[/]", f.kind, f.field, f.message)
    console.print(table)
    counts = {s: sum(f.severity == s for f in findings) for s in ("error", "warning", "info")}
    console.print(", ".join(f"{n} {s}(s)" for s, n in counts.items()))


# -- quarantine ----------------------------------------------------------------------


def _fail(exc: Exception) -> typer.Exit:
    err.print(f"[red]{exc}[/]")
    return typer.Exit(1)


@quarantine_app.command("list")
def quarantine_list(
    status: str = typer.Option("held", help="held, released, rejected or all."),
    source: str | None = typer.Option(None, help="Only this source (profile name)."),
    kind: str | None = typer.Option(None, help="Only 'order' or 'tracking'."),
    limit: int = typer.Option(100, min=1, max=10_000, help="At most this many records."),
    database_url: str | None = DB_OPTION,
) -> None:
    """List quarantined records with their reason codes, oldest first."""
    store = _store(_container(database_url))
    try:
        records = store.list(None if status == "all" else status, source, kind, limit=limit)
    except ValueError as exc:
        raise _fail(exc) from exc
    table = Table(title=f"quarantine ({status})")
    for column in ("id", "source", "kind", "record", "status", "reasons", "held at"):
        table.add_column(column, overflow="fold")
    for r in records:
        codes = ", ".join(sorted({x.code.value for x in r.reasons}))
        table.add_row(
            str(r.id),
            r.source,
            r.kind,
            r.record_key,
            r.status,
            codes,
            r.created_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        )
    console.print(table)


@quarantine_app.command("show")
def quarantine_show(
    record_id: int = typer.Argument(..., help="Quarantine id."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Show one record: reasons, original and corrected payload, audit trail."""
    from doorstep.adapters.quarantine_store import QuarantineError

    store = _store(_container(database_url))
    try:
        r = store.get(record_id)
    except QuarantineError as exc:
        raise _fail(exc) from exc
    console.print(f"[bold]#{r.id}[/] {r.kind} from {r.source}: {r.record_key} — {r.status}")
    for reason in r.reasons:
        console.print(f"  [yellow]{reason.code.value}[/] {reason.field}: {reason.message}")
    console.print("[bold]original payload[/]")
    console.print(_syntax(r.payload))
    if r.corrected_payload is not None:
        console.print("[bold]corrected payload[/]")
        console.print(_syntax(r.corrected_payload))
    table = Table(title="audit trail")
    for column in ("at", "action", "actor", "note"):
        table.add_column(column, overflow="fold")
    for a in r.audit:
        table.add_row(a.at.strftime("%Y-%m-%d %H:%M:%S UTC"), a.action, a.actor, a.note or "")
    console.print(table)


def _syntax(payload: str) -> Syntax:
    try:
        text = json.dumps(json.loads(payload), indent=2, ensure_ascii=False)
        return Syntax(text, "json", word_wrap=True)
    except ValueError:
        lexer = "xml" if payload.lstrip().startswith("<") else "text"
        return Syntax(payload, lexer, word_wrap=True)


@quarantine_app.command("correct")
def quarantine_correct(
    record_id: int = typer.Argument(..., help="Quarantine id."),
    file: str = typer.Argument(..., help="File with the corrected payload, or - for stdin."),
    actor: str = typer.Option(None, help="Who corrects (default: cli:<user>)."),
    note: str | None = typer.Option(None, help="Why / what was changed."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Store a corrected payload beside the original (the original is kept)."""
    from doorstep.adapters.quarantine_store import QuarantineError

    store = _store(_container(database_url))
    try:
        store.correct(record_id, _read(file).decode("utf-8"), actor or cli_actor(), note)
    except QuarantineError as exc:
        raise _fail(exc) from exc
    console.print(
        f"#{record_id} corrected; release it with `doorstep quarantine release {record_id}`"
    )


@quarantine_app.command("release")
def quarantine_release(
    record_id: int = typer.Argument(..., help="Quarantine id."),
    actor: str = typer.Option(None, help="Who releases (default: cli:<user>)."),
    note: str | None = typer.Option(None, help="Why it may pass now."),
    profile: ReleaseProfile | None = typer.Option(
        None, "--profile", help="When the record's profile changed since it was held: map "
        "with the copy it was held under (held) or the profile as it is now (current)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Re-validate the (corrected) payload and hand it to intake; stays held if still bad.

    The record is mapped with the profile it was held under; if that profile changed since,
    the release stops and names both versions until --profile says which to use.
    """
    from doorstep.adapters.quarantine_store import QuarantineError, StillInvalid

    store = _store(_container(database_url))
    try:
        store.release(record_id, actor or cli_actor(), note,
                      profile=profile.value if profile is not None else None)
    except StillInvalid as exc:
        err.print(f"[red]#{record_id} stays held:[/]")
        for reason in exc.reasons:
            err.print(f"  {reason.code.value} {reason.field}: {reason.message}")
        raise typer.Exit(1) from exc
    except QuarantineError as exc:
        raise _fail(exc) from exc
    console.print(f"[green]#{record_id} released[/]")


@quarantine_app.command("reject")
def quarantine_reject(
    record_id: int = typer.Argument(..., help="Quarantine id."),
    note: str = typer.Option(..., help="Why the record is rejected (required)."),
    actor: str = typer.Option(None, help="Who rejects (default: cli:<user>)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Reject a record for good (it stays in the store with its audit trail)."""
    from doorstep.adapters.quarantine_store import QuarantineError

    store = _store(_container(database_url))
    try:
        store.reject(record_id, actor or cli_actor(), note)
    except (QuarantineError, ValueError) as exc:
        raise _fail(exc) from exc
    console.print(f"#{record_id} rejected")
