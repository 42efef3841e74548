"""``doorstep keys …``, ``doorstep users …`` and ``doorstep sources …``: API keys, staff
accounts and the secrets shops and carriers sign their webhooks with.

A new or rotated key is printed once, alone on stdout (``KEY=$(doorstep keys create …)``
works); everything else goes to stderr.  Passwords are never command-line arguments (they
would land in shell history and ``ps``): ``users add`` and ``users password`` prompt twice
without echo, or read one line from stdin with ``--password-stdin``.
"""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.table import Table

from doorstep.entrypoints.cli.consoles import cli_console
from doorstep.entrypoints.cli.core import (
    DB_OPTION,
    _container,
    ensure_current_schema,
    profiles_dir,
)

if TYPE_CHECKING:
    from doorstep.bootstrap import Container

console = cli_console(stderr=True)
keys_app = typer.Typer(help="API keys: create, list, revoke, rotate.", no_args_is_help=True)
users_app = typer.Typer(help="Staff accounts for the browser: add, list, disable, password.",
                        no_args_is_help=True)

ROLES = "admin, operator, warehouse, integration, viewer"


def _ready(database_url: str | None) -> Container:
    c = _container(database_url)
    ensure_current_schema(c)
    return c


def _fail(message: str) -> typer.Exit:
    console.print(f"[red]{message}[/]")
    return typer.Exit(2)


def _role(value: str) -> Any:
    from doorstep.domain.access import Role

    try:
        return Role(value)
    except ValueError:
        raise _fail(f"--role: {value!r} is not one of {ROLES}") from None


def _when(value: Any) -> str:
    return value.isoformat(timespec="seconds") if value is not None else "-"


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., "--role", help=f"One of {ROLES}."),
    name: str = typer.Option(..., "--name", help="What the key is for, e.g. 'shop-berlin'."),
    channel: str | None = typer.Option(None, "--channel",
                                       help="The shop channel (integration keys only)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Create a key and print it once, on a line of its own (it is stored only hashed)."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import InvalidValue
    from doorstep.services import api_keys

    c = _ready(database_url)
    try:
        with transaction(c.engine, write=True) as conn:
            key, secret = api_keys.create_key(conn, name=name, role=_role(role),
                                              channel=channel, created_by="cli")
    except InvalidValue as exc:
        raise _fail(str(exc)) from exc
    console.print(f"created {key.role} key {key.prefix}… ({key.name}"
                  f"{', channel ' + key.channel if key.channel else ''}); it is shown only "
                  f"now — use it as 'Authorization: Bearer <key>':")
    print(secret)


@keys_app.command("list")
def keys_list(
    all_: bool = typer.Option(False, "--all", help="Include revoked keys."),
    as_json: bool = typer.Option(False, "--json", help="One JSON array on stdout."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Keys by prefix, name, role and channel, with created/last-used/revoked times."""
    from doorstep.services import api_keys

    c = _ready(database_url)
    with c.engine.connect() as conn:
        keys = api_keys.list_keys(conn, include_revoked=all_)
    if as_json:
        print(json.dumps([{"id": k.id, "prefix": k.prefix, "name": k.name, "role": k.role,
                           "channel": k.channel, "created_at": _when(k.created_at),
                           "rotated_at": _when(k.rotated_at),
                           "last_used_at": _when(k.last_used_at),
                           "revoked_at": _when(k.revoked_at)} for k in keys]))
        return
    table = Table(title="API keys")
    for col in ("prefix", "name", "role", "channel", "created", "last used", "revoked", "id"):
        table.add_column(col, no_wrap=True)
    for k in keys:
        table.add_row(k.prefix, k.name, k.role, k.channel or "-", _when(k.created_at),
                      _when(k.last_used_at), _when(k.revoked_at), k.id)
    Console(width=200).print(table)


@keys_app.command("revoke")
def keys_revoke(
    key: str = typer.Argument(..., help="The key's id or its prefix (dsk_live_XXXXXXXX)."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Revoke a key: it stops working (within 2 s in running servers)."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import NotFound
    from doorstep.services import api_keys

    c = _ready(database_url)
    try:
        with transaction(c.engine, write=True) as conn:
            revoked = api_keys.revoke_key(conn, key)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    console.print(f"revoked {revoked.prefix}… ({revoked.name}) at {_when(revoked.revoked_at)}")


@keys_app.command("rotate")
def keys_rotate(
    key: str = typer.Argument(..., help="The key's id or its prefix."),
    database_url: str | None = DB_OPTION,
) -> None:
    """A new secret for the same key (name, role, channel kept); the old one stops working."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import DomainError
    from doorstep.services import api_keys

    c = _ready(database_url)
    try:
        with transaction(c.engine, write=True) as conn:
            rotated, secret = api_keys.rotate_key(conn, key)
    except DomainError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"rotated {rotated.name} ({rotated.role}); new key, shown only now:")
    print(secret)


# -- staff users ----------------------------------------------------------------------------


def read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        return line[:-1] if line.endswith("\n") else line
    value: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True,
                              err=True)
    return value


PASSWORD_STDIN = typer.Option(False, "--password-stdin",
                              help="Read the password from the first line of stdin.")


@users_app.command("add")
def users_add(
    username: str = typer.Argument(..., help="Log-in name (lower case)."),
    role: str = typer.Option(..., "--role", help="admin, operator, warehouse or viewer."),
    password_stdin: bool = PASSWORD_STDIN,
    database_url: str | None = DB_OPTION,
) -> None:
    """Add a staff account (password prompted, or from stdin)."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import InvalidValue
    from doorstep.services import staff

    c = _ready(database_url)
    password = read_password(password_stdin)
    try:
        with transaction(c.engine, write=True) as conn:
            user = staff.add_user(conn, username, password, _role(role))
    except InvalidValue as exc:
        raise _fail(str(exc)) from exc
    console.print(f"added {user.role} {user.username}; log in at /login")


@users_app.command("list")
def users_list(
    as_json: bool = typer.Option(False, "--json", help="One JSON array on stdout."),
    database_url: str | None = DB_OPTION,
) -> None:
    """Staff accounts with role, last log-in and whether disabled."""
    from doorstep.services import staff

    c = _ready(database_url)
    with c.engine.connect() as conn:
        users = staff.list_users(conn)
    if as_json:
        print(json.dumps([{"username": u.username, "role": u.role,
                           "created_at": _when(u.created_at),
                           "last_login_at": _when(u.last_login_at),
                           "disabled_at": _when(u.disabled_at)} for u in users]))
        return
    table = Table(title="staff users")
    for col in ("username", "role", "created", "last log-in", "disabled"):
        table.add_column(col, no_wrap=True)
    for u in users:
        table.add_row(u.username, u.role, _when(u.created_at), _when(u.last_login_at),
                      _when(u.disabled_at))
    Console(width=200).print(table)


@users_app.command("disable")
def users_disable(username: str = typer.Argument(...),
                  database_url: str | None = DB_OPTION) -> None:
    """Disable an account and end its sessions."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import NotFound
    from doorstep.services import staff

    c = _ready(database_url)
    try:
        with transaction(c.engine, write=True) as conn:
            staff.disable_user(conn, username)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    console.print(f"disabled {username}; its sessions have ended")


@users_app.command("password")
def users_password(username: str = typer.Argument(...),
                   password_stdin: bool = PASSWORD_STDIN,
                   database_url: str | None = DB_OPTION) -> None:
    """Set a new password (prompted, or from stdin); open sessions end."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import DomainError
    from doorstep.services import staff

    c = _ready(database_url)
    password = read_password(password_stdin)
    try:
        with transaction(c.engine, write=True) as conn:
            staff.set_password(conn, username, password)
    except DomainError as exc:
        raise _fail(str(exc)) from exc
    console.print(f"new password set for {username}; its sessions have ended")


# -- source secrets -------------------------------------------------------------------------

sources_app = typer.Typer(
    help="Secrets for shops and carriers that push webhooks: issue, list, revoke.",
    no_args_is_help=True)


def _source(shop: str | None, carrier: str | None, supplier: str | None = None) -> str:
    from doorstep.adapters.importers.profile_engine import builtin_profiles, profile_names

    given = [(k, p) for k, p in (("shop", shop), ("carrier", carrier), ("supplier", supplier))
             if p is not None]
    if len(given) != 1:
        raise _fail("give exactly one of --shop PROFILE, --carrier PROFILE or "
                    "--supplier PROFILE")
    kind, profile = given[0]
    if kind == "supplier":  # despatch advices: built-in or the merchant's own asn profiles
        known = profile_names("asn", profiles_dir() or None)
    else:
        known = builtin_profiles("orders" if kind == "shop" else "tracking")
    if profile not in known:
        raise _fail(f"--{kind}: {profile!r} is not a known profile ({', '.join(known)})")
    if kind == "shop" and profile.startswith(("shopify", "woocommerce")):
        raise _fail(f"{profile} signs with the platform's own secret: put it in the "
                    f"setting {profile.split('-')[0]}_webhook_secret")
    return f"{kind}:{profile}"


SHOP_OPTION = typer.Option(None, "--shop", help="Orders profile, e.g. shopware6, magento2, "
                                                "orders-csv.")
CARRIER_OPTION = typer.Option(None, "--carrier", help="Tracking profile, e.g. gls, dpd.")
SUPPLIER_OPTION = typer.Option(None, "--supplier", help="Despatch-advice (asn) profile, e.g. "
                                                        "desadv-eancom-d96a, epcis-json.")


@sources_app.command("secret")
def sources_secret(shop: str | None = SHOP_OPTION, carrier: str | None = CARRIER_OPTION,
                   supplier: str | None = SUPPLIER_OPTION,
                   database_url: str | None = DB_OPTION) -> None:
    """Issue a new secret for a source and print it once (earlier ones stay valid until
    `doorstep sources revoke`)."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.services import source_secrets

    source = _source(shop, carrier, supplier)
    c = _ready(database_url)
    with transaction(c.engine, write=True) as conn:
        secret = source_secrets.issue(conn, source, created_by="cli")
    kind, profile = source.split(":", 1)
    console.print(
        f"new secret for {source}, shown only now. The source signs each body with it: "
        f"X-Doorstep-Signature: base64(HMAC-SHA256(secret, raw body))"
        + (f"; or give the carrier the URL /v1/webhooks/carrier/{profile}?token=<secret>"
           if kind == "carrier" else "") + ":")
    print(secret)


@sources_app.command("list")
def sources_list(as_json: bool = typer.Option(False, "--json", help="JSON on stdout."),
                 database_url: str | None = DB_OPTION) -> None:
    """Issued secrets by source (only their first characters), with created/revoked times."""
    from doorstep.services import source_secrets

    c = _ready(database_url)
    with c.engine.connect() as conn:
        items = source_secrets.listing(conn)
    if as_json:
        print(json.dumps([{"source": s.source, "hint": s.hint, "created_at": _when(s.created_at),
                           "revoked_at": _when(s.revoked_at)} for s in items]))
        return
    table = Table(title="source secrets")
    for col in ("source", "secret", "created", "revoked"):
        table.add_column(col, no_wrap=True)
    for s in items:
        table.add_row(s.source, s.hint, _when(s.created_at), _when(s.revoked_at))
    Console(width=200).print(table)


@sources_app.command("revoke")
def sources_revoke(shop: str | None = SHOP_OPTION, carrier: str | None = CARRIER_OPTION,
                   supplier: str | None = SUPPLIER_OPTION,
                   all_: bool = typer.Option(False, "--all",
                                             help="Revoke the newest secret too."),
                   database_url: str | None = DB_OPTION) -> None:
    """Revoke a source's older secrets (after rotating), or all of them with --all."""
    from doorstep.adapters.db.uow import transaction
    from doorstep.domain.errors import NotFound
    from doorstep.services import source_secrets

    source = _source(shop, carrier, supplier)
    c = _ready(database_url)
    try:
        with transaction(c.engine, write=True) as conn:
            n = source_secrets.revoke(conn, source, keep_newest=not all_)
    except NotFound as exc:
        raise _fail(str(exc)) from exc
    console.print(f"revoked {n} secret(s) of {source}"
                  + ("; nothing from it is accepted now" if all_ else ""))
