"""``doorstep import asn`` and ``doorstep import po``: goods in from files.

The same services as the HTTP API (``services.advices``, ``services.purchase_orders``); the
CLI only reads the file and prints what happened to each advice.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import (
    DB_OPTION,
    _container,
    ensure_current_schema,
    profiles_dir,
)

console = cli_console()


def import_asn(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="The advice file."),
    profile: str = typer.Option(..., "--profile", "-p",
                                help="asn profile: desadv-eancom-d96a, epcis-json, epcis-xml, "
                                     "asn-csv, one in DOORSTEP_PROFILES_DIR, or a file path."),
    as_json: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Import despatch advices: checked against their PO, or waiting for it."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.adapters.importers.asn_mapping import load_asn_profile, map_advices
    from doorstep.adapters.importers.profile_engine import ProfileError
    from doorstep.services.advices import ingest_advice

    try:
        mapper = load_asn_profile(profile, profiles_dir() or None)
    except ProfileError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    mapped = map_advices(mapper, file.read_bytes())
    if mapped.document_issue is not None:
        console.print(f"[red]{file}: {mapped.document_issue.message}[/red]")
        raise typer.Exit(1)
    c = _container(database_url)
    ensure_current_schema(c)
    with transaction(c.engine, write=True) as conn:
        results = [ingest_advice(conn, advice) for advice in mapped.advices]
    if as_json:
        typer.echo(json.dumps({"advices": results, "skipped_events": mapped.skipped_events},
                              default=str))
        return
    for r in results:
        findings = ", ".join(sorted({f["code"] for f in r["findings"]})) or "none"
        console.print(f"advice {r['number']} (id {r['id']}): {r['status']}; "
                      f"advice findings: {findings}; line findings: "
                      f"{'yes' if r.get('line_findings') else 'none'}")


def import_po(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="Purchase-order CSV."),
    warehouse: str = typer.Option("BER", help="Warehouse for rows without one."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Import purchase orders from CSV (po_number, supplier_gln, expected_on, sku, gtin,
    quantity, unit, pack_size); advices waiting for them are checked."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import DomainError
    from doorstep.services.advices import process_waiting
    from doorstep.services.purchase_orders import import_po_csv

    c = _container(database_url)
    ensure_current_schema(c)
    try:
        with transaction(c.engine, write=True) as conn:
            numbers = import_po_csv(conn, file.read_text(encoding="utf-8-sig"),
                                    warehouse=warehouse)
            waited = sum(process_waiting(conn, n) for n in numbers)
    except DomainError as exc:
        console.print(f"[red]{file}: {exc}[/red]")
        raise typer.Exit(1) from None
    console.print(f"{len(numbers)} purchase order(s) saved; {waited} waiting advice(s) "
                  "checked")
