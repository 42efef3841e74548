"""``doorstep serve``, ``doorstep worker`` and ``doorstep db``.

Every CLI module imports only Typer and Rich at module level: the database (SQLAlchemy,
Alembic), the API and the domain load inside the command that needs them, so ``--help``
and a typo answer at once (``tests/e2e/test_cli_startup.py`` keeps it so).
"""

from __future__ import annotations

import getpass
import signal
import threading
from types import FrameType
from typing import TYPE_CHECKING

import typer

from doorstep.entrypoints.cli.consoles import cli_console

if TYPE_CHECKING:
    from doorstep.bootstrap import Container

console = cli_console(stderr=True)
db_app = typer.Typer(help="Database schema: upgrade and status.", no_args_is_help=True)


def _container(database_url: str | None, **overrides: object) -> Container:
    from doorstep.bootstrap import bootstrap
    from doorstep.settings import Settings, SettingsError, load_settings

    try:
        settings = load_settings()
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc
    values = {k: v for k, v in overrides.items() if v is not None}
    if database_url:
        values["database_url"] = database_url
    container = bootstrap(Settings(**{**settings.__dict__, **values}))
    ensure_reachable(container)
    return container


def ensure_reachable(c: Container) -> None:
    """Exit with one line naming the database (password hidden) when it does not answer."""
    from sqlalchemy.exc import SQLAlchemyError

    url = c.settings.database_url
    try:
        with c.engine.connect():
            pass
    except SQLAlchemyError as exc:
        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [""])[0]
        password = c.engine.url.password
        if password:
            first = first.replace(str(password), "***")
        typer.echo(f"doorstep: cannot reach the database {_safe_url(url)} "
                   f"({type(cause).__name__}: {first})", err=True)
        raise typer.Exit(2) from None


def cli_actor() -> str:
    """Who a command acts as in audit trails: ``cli:<login name>``, or ``cli`` when the
    process has no login name (a container without a passwd entry)."""
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):
        return "cli"


def profiles_dir() -> str:
    """``DOORSTEP_PROFILES_DIR`` (or ``profiles_dir`` in the config file): the folder whose
    profiles are found by name like the built-in ones."""
    from doorstep.settings import SettingsError, load_settings

    try:
        return load_settings().profiles_dir
    except SettingsError as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc


DB_OPTION = typer.Option(None, "--db", envvar="DOORSTEP_DATABASE_URL",
                         help="Database URL (default: sqlite:///doorstep.db in this folder).")


def _safe_url(url: str) -> str:
    """The URL with any password hidden, for messages."""
    from doorstep.bootstrap import normalise_url

    url = normalise_url(url)
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        return f"{scheme}://{creds.split(':', 1)[0]}:***@{host}" if ":" in creds else url
    return url


def ensure_current_schema(c: Container) -> None:
    from doorstep.adapters.db.schema import schema_status

    status = schema_status(c.engine)
    if not status.up_to_date:
        have = status.current or "empty database"
        console.print(
            f"[red]The database schema is out of date[/] ({have}; this version needs "
            f"{status.head}).\nRun [bold]doorstep db upgrade[/] "
            f"(database: {_safe_url(c.settings.database_url)}) and start again.")
        raise typer.Exit(2)


@db_app.command("upgrade")
def db_upgrade(database_url: str | None = DB_OPTION) -> None:
    """Create or migrate the database schema to this version (safe to run twice)."""
    from doorstep.adapters.db.schema import schema_status, upgrade

    c = _container(database_url)
    upgrade(c.engine)
    status = schema_status(c.engine)
    console.print(f"[green]schema at {status.current}[/] ({_safe_url(c.settings.database_url)})")


@db_app.command("status")
def db_status(database_url: str | None = DB_OPTION) -> None:
    """Show the schema version and whether it is current."""
    from doorstep.adapters.db.schema import schema_status

    c = _container(database_url)
    status = schema_status(c.engine)
    state = "[green]up to date[/]" if status.up_to_date else "[red]out of date[/]"
    console.print(f"schema {status.current or '(empty)'} / head {status.head}: {state}")
    if not status.up_to_date:
        raise typer.Exit(1)


def serve(
    database_url: str | None = DB_OPTION,
    host: str = typer.Option(None, help="Interface to bind (default 127.0.0.1)."),
    port: int = typer.Option(None, help="Port (default 8000)."),
    worker: bool | None = typer.Option(
        None, "--worker/--no-worker",
        help="Run the outbox worker inside the API process (default: the embedded_worker "
             "setting, which is on)."),
    workers: int = typer.Option(
        1, "--workers", min=1,
        help="API processes sharing the port, each with its own group commit (for "
             "PostgreSQL; on SQLite every process shares the one write lock)."),
    access_log: bool | None = typer.Option(
        None, "--access-log/--no-access-log",
        help="One JSON line per request on stdout (default: the access_log setting, on)."),
) -> None:
    """Serve the HTTP API (and, by default, the worker) until stopped."""
    import os

    import uvicorn

    from doorstep.entrypoints.api.app import create_app, settle_heap
    from doorstep.entrypoints.api.http_protocol import http_options
    from doorstep.entrypoints.api.request_log import configure_access_log

    c = _container(database_url, host=host, port=port, access_log=access_log)
    ensure_current_schema(c)
    ensure_credentials(c)
    if c.settings.access_log:
        configure_access_log()
    try:  # built here in every case, so a bad setting stops start-up before any process
        app = create_app(c, embedded_worker=worker)
    except ValueError as exc:  # notification settings or an e-mail template
        console.print(f"[red]cannot start:[/red] {exc}")
        raise typer.Exit(2) from exc
    console.print(f"doorstep API on http://{c.settings.host}:{c.settings.port} "
                  f"(docs: /docs) — database {_safe_url(c.settings.database_url)}"
                  + (f", {workers} processes" if workers > 1 else ""))
    if workers > 1:
        # Each process starts afresh (spawn) with its own SO_REUSEPORT socket on the port
        # (see api.processes for why not uvicorn's workers); every process builds its app
        # from the environment, and the supervisor replaces a process that ends.
        from doorstep.entrypoints.api.processes import run_processes

        del app  # each process builds its own
        embedded = c.settings.embedded_worker if worker is None else worker
        os.environ.update({"DOORSTEP_DATABASE_URL": c.settings.database_url,
                           "DOORSTEP_HOST": c.settings.host,
                           "DOORSTEP_PORT": str(c.settings.port),
                           "DOORSTEP_EMBEDDED_WORKER": "1" if embedded else "0",
                           "DOORSTEP_ACCESS_LOG": "1" if c.settings.access_log else "0"})
        c.engine.dispose()
        try:
            status = run_processes(workers, {
                "host": c.settings.host, "port": c.settings.port,
                "log_level": c.settings.log_level, "access_log": False,
                **http_options(c.settings.max_header_bytes)})
        except OSError as exc:  # the port is taken
            console.print(f"[red]cannot listen on {c.settings.host}:{c.settings.port}:[/red] "
                          f"{exc}")
            raise typer.Exit(1) from exc
        if status:
            raise typer.Exit(status)
        return
    settle_heap()
    uvicorn.run(app, host=c.settings.host, port=c.settings.port,
                log_level=c.settings.log_level, access_log=False,
                **http_options(c.settings.max_header_bytes))


def ensure_credentials(c: Container) -> None:
    """On a network address, refuse to start while nobody could log in or call the API."""
    from doorstep.entrypoints.api.access import is_loopback
    from doorstep.services.identities import credentials_exist

    if is_loopback(c.settings.host) or credentials_exist(c.engine):
        return
    console.print(
        f"[red]Refusing to serve on {c.settings.host}: no API key or staff user exists[/], "
        f"so nobody could use the API — but the address is reachable from the network.\n"
        f"Create one first, e.g. [bold]doorstep keys create --role admin --name ops[/] or "
        f"[bold]doorstep users add NAME --role admin[/] (database: "
        f"{_safe_url(c.settings.database_url)}).")
    raise typer.Exit(2)


def worker(database_url: str | None = DB_OPTION) -> None:
    """Run the outbox worker (allocation, backorders, notifications) until stopped.

    On PostgreSQL run as many as you like: they share the queue without doing anything twice.
    """
    from doorstep.entrypoints.notifier import prepare_notifications, start_worker_threads

    c = _container(database_url)
    ensure_current_schema(c)
    try:
        notifications = prepare_notifications(c.settings)
    except ValueError as exc:
        console.print(f"[red]notification settings:[/red] {exc}")
        raise typer.Exit(2) from exc
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    console.print(f"doorstep worker on {_safe_url(c.settings.database_url)} (Ctrl-C stops)")
    threads = start_worker_threads(c, stop, notifications)
    while not stop.wait(0.5):
        pass
    for thread in threads:
        thread.join(timeout=10)
