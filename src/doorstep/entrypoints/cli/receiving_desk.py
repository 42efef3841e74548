"""``doorstep receiving …``: the receiving desk and goods-in master data from a terminal.

The same services as the HTTP API; every command prints a short line (``--json`` for
scripts) and names the field when something is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import DB_OPTION, _container, cli_actor, ensure_current_schema

if TYPE_CHECKING:
    from sqlalchemy import Connection

app = typer.Typer(help="The receiving desk: scan, confirm, count, holds, putaway, RECADV.",
                  no_args_is_help=True)
console = cli_console()
err = cli_console(stderr=True)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")


@contextmanager
def _conn(database_url: str | None, *, write: bool = True) -> Iterator[Connection]:
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import DomainError

    c = _container(database_url)
    ensure_current_schema(c)
    try:
        with transaction(c.engine, write=write) as conn:
            yield conn
    except DomainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


def _print(data: Any, as_json: bool, line: Callable[[Any], str]) -> None:
    if as_json:
        typer.echo(json.dumps(data, default=str))
    else:
        console.print(line(data))


def _lines(view: dict[str, Any]) -> str:
    rows = [f"advice {view.get('advice_number', view.get('number'))} "
            f"(id {view.get('advice_id', view.get('id'))}), PO {view['po_number']}"]
    for ln in view["lines"]:
        codes = ", ".join(f["code"] for f in ln["findings"]) or "ok"
        rows.append(f"  line {ln['id']}: {ln['gtin']} {ln['sku'] or '?'} x {ln['units']} "
                    f"[{ln['status']}] {codes}")
    return "\n".join(rows)


@app.command("scan")
def scan(sscc: str, as_json: bool = JSON_OPTION, database_url: str | None = DB_OPTION) -> None:
    """What the advice says package SSCC holds, with every finding."""
    from doorstep.services.receiving import scan as scan_package

    with _conn(database_url, write=False) as conn:
        _print(scan_package(conn, sscc), as_json, _lines)


def _outcome(out: dict[str, Any]) -> str:
    got = ", ".join(f"{r['sku']} x {r['quantity']} (area {r['area_id']})" for r in out["received"])
    held = ", ".join(f"hold {h['hold_id']}: {h['quantity']} ({', '.join(h['reasons'])})"
                     for h in out["held"])
    return f"received: {got or 'nothing'}; held: {held or 'nothing'}"


@app.command("confirm")
def confirm(sscc: str, as_json: bool = JSON_OPTION,
            database_url: str | None = DB_OPTION) -> None:
    """Confirm package SSCC whole, as advised."""
    from doorstep.services.receiving import receive
    from doorstep.services.receiving import scan as scan_package

    with _conn(database_url) as conn:
        advice_id = scan_package(conn, sscc)["advice_id"]
        _print(receive(conn, advice_id, None, actor=cli_actor(), sscc=sscc), as_json, _outcome)


@app.command("count")
def count(advice_id: int,
          counts: list[str] = typer.Argument(..., help="LINE_ID=GOOD or LINE_ID=GOOD+DAMAGED"),
          as_json: bool = JSON_OPTION, database_url: str | None = DB_OPTION) -> None:
    """Record what was counted per advice line (and how many were damaged)."""
    from doorstep.services.receiving import receive

    parsed: dict[int, tuple[int, int]] = {}
    for item in counts:
        try:
            line, _, numbers = item.partition("=")
            good, _, damaged = numbers.partition("+")
            parsed[int(line)] = (int(good), int(damaged or 0))
        except ValueError:
            err.print(f"[red]counts: {item!r} is not LINE_ID=GOOD[+DAMAGED][/red]")
            raise typer.Exit(2) from None
    with _conn(database_url) as conn:
        _print(receive(conn, advice_id, parsed, actor=cli_actor()), as_json, _outcome)


@app.command("finish")
def finish(advice_id: int, database_url: str | None = DB_OPTION) -> None:
    """Close an advice: lines never scanned are reported missing."""
    from doorstep.services.receiving import finish_advice

    with _conn(database_url) as conn:
        console.print(f"{finish_advice(conn, advice_id)} line(s) missing")


@app.command("holds")
def holds(status: str = "held", as_json: bool = JSON_OPTION,
          database_url: str | None = DB_OPTION) -> None:
    """Lines on receiving hold, with their reasons."""
    from doorstep.services.receiving import list_holds

    with _conn(database_url, write=False) as conn:
        _print(list_holds(conn, status=status), as_json, lambda rows: "\n".join(
            f"hold {h['id']}: {h['gtin']} {h['sku'] or '?'} x {h['quantity']} — "
            + ", ".join(f"{r['code']} ({r['message']})" for r in h["reasons"])
            for h in rows) or "no holds")


@app.command("decide")
def decide(hold_id: int, action: str = typer.Argument(..., help="accept, correct, return, "
                                                                "write_off"),
           note: str = typer.Option("", help="Why (required for accept/return/write_off)."),
           quantity: int | None = typer.Option(None, help="The true quantity (correct)."),
           sku: str | None = typer.Option(None, help="The true SKU (correct)."),
           as_json: bool = JSON_OPTION, database_url: str | None = DB_OPTION) -> None:
    """Decide on a held line; the decision is written to its audit trail."""
    from doorstep.services.receiving import resolve_hold

    with _conn(database_url) as conn:
        _print(resolve_hold(conn, hold_id, action, actor=cli_actor(), note=note,
                            quantity=quantity, sku=sku), as_json,
               lambda h: f"hold {h['id']}: {h['status']}")


@app.command("recadv")
def recadv(advice_id: int, our_gln: str = typer.Option("0000000000000", help="Our GLN."),
           edifact: bool = typer.Option(False, "--edifact", help="Print the EANCOM text."),
           database_url: str | None = DB_OPTION) -> None:
    """The receiving advice for the supplier (JSON, or EANCOM RECADV)."""
    from doorstep.services.receiving import receiving_advice

    with _conn(database_url, write=False) as conn:
        doc = receiving_advice(conn, advice_id, our_gln=our_gln)
    if edifact:
        if "edifact" not in doc:
            err.print("[red]this supplier takes RECADV as JSON (set recadv=edifact)[/red]")
            raise typer.Exit(1)
        typer.echo(doc["edifact"])
    else:
        typer.echo(json.dumps(doc, default=str, indent=2))


@app.command("putaway")
def putaway(area_id: int,
            layout_file: Path = typer.Option(..., "--layout", exists=True, dir_okay=False),
            location: str | None = typer.Option(None, help="The scanned location: confirm."),
            as_json: bool = JSON_OPTION, database_url: str | None = DB_OPTION) -> None:
    """Suggest where received units go; with --location, confirm the scan (stock then)."""
    from doorstep.adapters.layout_file import load_layout
    from doorstep.services.putaway import confirm_putaway, suggest_putaway

    layout = load_layout(layout_file)
    with _conn(database_url) as conn:
        if location is None:
            _print(suggest_putaway(conn, area_id, layout), as_json,
                   lambda s: f"{s['sku']} x {s['quantity']} → {s['suggested_location']}")
        else:
            _print(confirm_putaway(conn, area_id, location, actor=cli_actor()), as_json,
                   lambda s: f"{s['sku']} x {s['quantity']} put away at {s['location']}")


@app.command("supplier")
def supplier(gln: str, name: str = typer.Option(..., help="Supplier name."),
             over: Decimal = typer.Option(Decimal(0), help="Over-delivery tolerance, %."),
             under: Decimal = typer.Option(Decimal(0), help="Under-delivery tolerance, %."),
             recadv_format: str = typer.Option("json", "--recadv", help="json or edifact."),
             database_url: str | None = DB_OPTION) -> None:
    """Create or update a supplier and its tolerances."""
    from doorstep.services.suppliers import set_supplier

    with _conn(database_url) as conn:
        set_supplier(conn, gln, name=name, over_pct=over, under_pct=under, recadv=recadv_format)
    console.print(f"supplier {gln} saved")


@app.command("item")
def item(gln: str, sku: str, case: int = typer.Option(1, help="Units per case."),
         pallet: int = typer.Option(0, help="Units per pallet."),
         shelf_life: int = typer.Option(0, help="Minimum remaining shelf life, days."),
         lot_pattern: str | None = typer.Option(None, help="Regular expression for lots."),
         category: str = typer.Option("general", help="Storage category."),
         database_url: str | None = DB_OPTION) -> None:
    """What a supplier delivers of a SKU: pack sizes, shelf life, lot format."""
    from doorstep.services.suppliers import set_supplier_item

    with _conn(database_url) as conn:
        set_supplier_item(conn, gln, sku, case_qty=case, pallet_qty=pallet,
                          min_shelf_life_days=shelf_life, lot_pattern=lot_pattern,
                          storage_category=category)
    console.print(f"{sku} from {gln} saved")
