"""The ``doorstep`` command: one Typer app, sub-commands registered from sibling modules."""

from __future__ import annotations

import typer

from doorstep import __version__
from doorstep.entrypoints.cli import (
    core,
    demo,
    harmonise,
    identities,
    load,
    monitoring,
    packing,
    peak,
    pick,
    promise,
    receiving,
    receiving_desk,
    slotting,
    waves,
)

app = typer.Typer(
    help="doorstep: everything between an online shop's checkout and the customer's door.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"doorstep {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """doorstep: everything between an online shop's checkout and the customer's door."""


app.command("serve")(core.serve)
app.command("worker")(core.worker)
app.command("demo")(demo.demo)
app.add_typer(core.db_app, name="db")
app.add_typer(identities.keys_app, name="keys")
app.add_typer(identities.users_app, name="users")
app.add_typer(identities.sources_app, name="sources")
app.add_typer(pick.app, name="pick")
app.add_typer(waves.app, name="wave")
app.add_typer(promise.app, name="promise")
app.add_typer(peak.app, name="peak")
app.add_typer(load.app, name="load")
harmonise.import_app.command("asn")(receiving.import_asn)
harmonise.import_app.command("po")(receiving.import_po)
app.add_typer(harmonise.import_app, name="import")
app.add_typer(slotting.app, name="slotting")
app.add_typer(receiving_desk.app, name="receiving")
app.add_typer(harmonise.profile_app, name="profile")
app.add_typer(harmonise.quarantine_app, name="quarantine")
app.add_typer(monitoring.app, name="monitoring")
app.add_typer(packing.app, name="pack")


def main() -> None:
    app()
