"""``doorstep pack …``: the packing bench from a terminal — the same services as the HTTP API.

    doorstep pack suggest ORDER          which cartons, how full, what weight (--json)
    doorstep pack order ORDER            pack as suggested: parcels with SSCCs
    doorstep pack weigh PARCEL GRAMS     checked, or held with the reason
    doorstep pack label PARCEL -o F      the carrier's label (or doorstep's own) into a file
    doorstep pack slip PARCEL -o F       the packing slip (--lang de|en)
    doorstep pack manifest CARRIER -o F  close the day for a carrier
    doorstep pack handover CODE          the hand-over scan (SSCC or M<manifest>)
    doorstep pack carton CODE …          create or change a carton type
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import DB_OPTION, _container, cli_actor, ensure_current_schema

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from doorstep.bootstrap import Container

app = typer.Typer(help="The packing bench: cartons, weights, labels, slips, manifests.",
                  no_args_is_help=True)
console = cli_console()
err = cli_console(stderr=True)
JSON_OPTION = typer.Option(False, "--json", help="Print JSON.")
OUT_OPTION = typer.Option(..., "--out", "-o", help="File to write.")


@contextmanager
def _session(database_url: str | None, *, write: bool = True) -> Iterator[
        tuple[Container, Connection]]:
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import DomainError

    c = _container(database_url)
    ensure_current_schema(c)
    try:
        with transaction(c.engine, write=write) as conn:
            yield c, conn
    except DomainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


@app.command("suggest")
def suggest(order_id: str, as_json: bool = JSON_OPTION,
            database_url: str | None = DB_OPTION) -> None:
    """The cheapest cartons that hold ORDER's picked units, each packing verified."""
    from doorstep.services.packing import suggest as suggest_cartons

    with _session(database_url, write=False) as (_, conn):
        parcels = suggest_cartons(conn, order_id)
    data: list[dict[str, Any]] = [{"carton": p.carton.code, "cost": str(p.carton.cost),
             "items": [i.sku for i in p.items], "gross_weight_g": p.gross_weight_g,
             "utilisation": round(p.utilisation, 3)} for p in parcels]
    if as_json:
        typer.echo(json.dumps({"order_id": order_id, "parcels": data}))
        return
    table = Table(title=f"Cartons for {order_id}")
    for column in ("parcel", "carton", "cost", "items", "weight", "filled"):
        table.add_column(column)
    for n, row in enumerate(data, start=1):
        table.add_row(str(n), row["carton"], f"€{row['cost']}", ", ".join(row["items"]),
                      f"{row['gross_weight_g'] / 1000:.2f} kg", f"{row['utilisation']:.0%}")
    console.print(table)


@app.command("order")
def pack_order(order_id: str, as_json: bool = JSON_OPTION,
               database_url: str | None = DB_OPTION) -> None:
    """Pack ORDER as suggested: one parcel per carton, each with its SSCC."""
    from doorstep.services.packing import pack

    with _session(database_url) as (c, conn):
        stored = pack(conn, order_id, actor=cli_actor(),
                      company_prefix=c.settings.gs1_company_prefix)
    rows = [{"id": p["id"], "sscc": p["sscc"], "carton": p["carton"],
             "expected_weight_g": p["expected_weight_g"]} for p in stored]
    if as_json:
        typer.echo(json.dumps(rows))
        return
    for row in rows:
        console.print(f"parcel {row['id']}  SSCC {row['sscc']}  {row['carton']}  expect "
                      f"{row['expected_weight_g']} g")


@app.command("weigh")
def weigh(parcel_id: int, grams: int, as_json: bool = JSON_OPTION,
          database_url: str | None = DB_OPTION) -> None:
    """The scale's reading for PARCEL_ID: checked, or held with the likely reason (exit 2)."""
    from doorstep.services.packing import weigh as weigh_parcel

    with _session(database_url) as (_, conn):
        check = weigh_parcel(conn, parcel_id, grams=grams, actor=cli_actor())
    if as_json:
        typer.echo(json.dumps({"ok": check.ok, "verdict": check.verdict.value,
                               "expected_g": check.expected_g, "reason": check.reason}))
    elif check.ok:
        console.print(f"[green]checked[/green]: {check.reason}")
    else:
        console.print(f"[red]held ({check.verdict.value})[/red]: {check.reason}")
    if not check.ok:
        raise typer.Exit(2)


def _write(path: Path, content: bytes) -> None:
    path.write_bytes(content)
    console.print(f"wrote {path}")


@app.command("label")
def label(parcel_id: int, out: Path = OUT_OPTION,
          label_format: str = typer.Option("pdf", "--format", help="pdf or zpl"),
          database_url: str | None = DB_OPTION) -> None:
    """Print PARCEL_ID's label: the carrier's through karrio if configured, else doorstep's."""
    from doorstep.adapters.carriers.config import load_carrier_gateways
    from doorstep.adapters.carriers.own_label import OwnLabelGateway
    from doorstep.domain.errors import DomainError
    from doorstep.services.shipping import ShippingConfig, carrier_for, label_parcel

    c = _container(database_url)
    ensure_current_schema(c)
    try:
        with c.engine.connect() as conn:
            carrier = carrier_for(conn, parcel_id)
    except DomainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    gateway = load_carrier_gateways(c.settings.carriers_file).get(carrier) or OwnLabelGateway(
        carrier)
    config = ShippingConfig.from_setting(c.settings.sender_address, c.settings.country,
                                         c.settings.label_tracking_url)
    try:
        made = label_parcel(c.engine, parcel_id, gateway=gateway, config=config,
                            actor=cli_actor(), label_format=label_format)
    except DomainError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    _write(out, made.label)
    console.print(f"{carrier} tracking number {made.tracking_number}")


@app.command("slip")
def slip(parcel_id: int, out: Path = OUT_OPTION,
         lang: str = typer.Option("de", "--lang", help="de or en"),
         database_url: str | None = DB_OPTION) -> None:
    """Write PARCEL_ID's packing slip (PDF)."""
    from doorstep.adapters.documents.packing_slip import render_slip
    from doorstep.entrypoints.web.i18n import format_locale, supported, translations
    from doorstep.services.shipping import ShippingConfig, slip_for

    with _session(database_url, write=False) as (c, conn):
        sender = ShippingConfig.from_setting(c.settings.sender_address,
                                             c.settings.country).sender_lines()
        data = slip_for(conn, parcel_id, sender=sender, return_address=sender)
    language = supported(lang) or "de"
    _write(out, render_slip(data, translations(language).gettext,
                            locale=format_locale(language)))


@app.command("manifest")
def manifest(carrier: str, out: Path = OUT_OPTION,
             warehouse: str | None = typer.Option(None, help="default: the setting"),
             database_url: str | None = DB_OPTION) -> None:
    """Close the day for CARRIER: every labelled parcel on one manifest (PDF)."""
    from doorstep.adapters.documents.packing_slip import render_manifest
    from doorstep.entrypoints.web.i18n import format_locale, translations
    from doorstep.services.shipping import close_manifest

    with _session(database_url) as (c, conn):
        data = close_manifest(conn, carrier=carrier, warehouse=warehouse or c.settings.warehouse,
                              actor=cli_actor())
    _write(out, render_manifest(data, translations("de").gettext, locale=format_locale("de")))
    console.print(f"manifest M{data['id']}: {len(data['parcels'])} parcels")


@app.command("handover")
def handover(code: str, as_json: bool = JSON_OPTION,
             database_url: str | None = DB_OPTION) -> None:
    """The hand-over scan: an SSCC (with or without AI 00) or M<manifest id> ships."""
    from doorstep.services.shipping import hand_over

    with _session(database_url) as (_, conn):
        shipped = hand_over(conn, code, actor=cli_actor())
    if as_json:
        typer.echo(json.dumps(shipped))
        return
    for row in shipped:
        console.print(f"{row['sscc']} → {row['tracking_number']}: order {row['order_id']} "
                      f"{row['order_status']}")


@app.command("carton")
def carton(code: str, dims: str = typer.Option(..., help="inner L×W×H in mm: 300x200x150"),
           tare: int = typer.Option(..., help="grams"),
           max_load: int = typer.Option(..., "--max-load", help="grams"),
           cost: str = typer.Option(..., help="price per carton, e.g. 0.64"),
           warehouse: str | None = typer.Option(None, help="default: the setting"),
           database_url: str | None = DB_OPTION) -> None:
    """Create or change carton type CODE."""
    from doorstep.domain.packing import CartonType
    from doorstep.services.packing import put_carton

    try:
        length, width, height = (int(part) for part in dims.lower().replace("×", "x")
                                 .split("x"))
        price = Decimal(cost)
    except (ValueError, ArithmeticError):
        err.print("--dims: give three whole millimetres like 300x200x150; --cost: a number")
        raise typer.Exit(2) from None
    values: dict[str, Any] = {"length_mm": length, "width_mm": width, "height_mm": height}
    if min(values.values()) <= 0 or tare < 0 or max_load <= 0 or price < 0:
        err.print("dimensions and --max-load must be positive, --tare and --cost not negative")
        raise typer.Exit(2)
    with _session(database_url) as (c, conn):
        put_carton(conn, warehouse or c.settings.warehouse,
                   CartonType(code, length, width, height, tare, max_load, price))
    console.print(f"carton {code}: {length}×{width}×{height} mm, {tare} g, up to "
                  f"{max_load} g, €{price}")
