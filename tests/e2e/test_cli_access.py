"""``doorstep keys``, ``doorstep users`` and the guard that keeps ``serve`` off a network
while nobody could log in."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from doorstep.adapters.db.identity_tables import api_keys, staff_users
from doorstep.bootstrap import make_engine
from doorstep.entrypoints.cli import app

runner = CliRunner()


@pytest.fixture
def url(migrated_sqlite_url: str) -> str:
    """A SQLite database at the newest schema: a copy of the session's template, which
    ``doorstep db upgrade`` migrated (``tests/conftest.py``; ``test_cli.py`` tests the
    command itself)."""
    return migrated_sqlite_url


def test_keys_create_prints_the_key_once_on_a_line_of_its_own(url: str) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "integration", "--name",
                                 "shop-berlin", "--channel", "shop-berlin", "--db", url])
    assert result.exit_code == 0, result.output
    (secret,) = result.stdout.splitlines()
    assert secret.startswith("dsk_live_") and len(secret) == 49
    engine = make_engine(url)
    with engine.connect() as conn:
        row = conn.execute(select(api_keys)).one()
    engine.dispose()
    assert secret not in (row.secret_hash, row.prefix) and secret.startswith(row.prefix)
    listed = runner.invoke(app, ["keys", "list", "--json", "--db", url])
    (entry,) = json.loads(listed.stdout)
    assert (entry["name"], entry["role"], entry["channel"]) == (
        "shop-berlin", "integration", "shop-berlin")
    assert secret not in listed.output


def test_an_integration_key_needs_a_channel(url: str) -> None:
    result = runner.invoke(app, ["keys", "create", "--role", "integration", "--name", "x",
                                 "--db", url])
    assert result.exit_code == 2 and "channel" in result.output


def test_keys_rotate_and_revoke_by_prefix(url: str) -> None:
    first = runner.invoke(app, ["keys", "create", "--role", "viewer", "--name", "grafana",
                                "--db", url]).stdout.strip()
    prefix = first[:17]
    rotated = runner.invoke(app, ["keys", "rotate", prefix, "--db", url])
    assert rotated.exit_code == 0, rotated.output
    second = rotated.stdout.strip()
    assert second.startswith("dsk_live_") and second != first
    revoked = runner.invoke(app, ["keys", "revoke", second[:17], "--db", url])
    assert revoked.exit_code == 0, revoked.output
    assert json.loads(runner.invoke(app, ["keys", "list", "--json", "--db", url]).stdout) == []
    (gone,) = json.loads(runner.invoke(app, ["keys", "list", "--all", "--json", "--db",
                                             url]).stdout)
    assert gone["revoked_at"] != "-"


def test_users_add_reads_the_password_from_stdin_and_never_prints_it(url: str) -> None:
    result = runner.invoke(app, ["users", "add", "anna", "--role", "operator",
                                 "--password-stdin", "--db", url],
                           input="a long enough password\n")
    assert result.exit_code == 0, result.output
    assert "a long enough password" not in result.output
    engine = make_engine(url)
    with engine.connect() as conn:
        stored = conn.execute(select(staff_users.c.password_hash)).scalar_one()
    engine.dispose()
    assert stored.startswith("$argon2id$")
    listed = json.loads(runner.invoke(app, ["users", "list", "--json", "--db", url]).stdout)
    assert [(u["username"], u["role"]) for u in listed] == [("anna", "operator")]
    disabled = runner.invoke(app, ["users", "disable", "anna", "--db", url])
    assert disabled.exit_code == 0


def test_users_password_prompts_without_echo_and_checks_the_length(url: str) -> None:
    runner.invoke(app, ["users", "add", "anna", "--role", "viewer", "--password-stdin",
                        "--db", url], input="a long enough password\n")
    short = runner.invoke(app, ["users", "password", "anna", "--db", url],
                          input="short\nshort\n")
    assert short.exit_code == 2 and "12 characters" in short.output
    assert "short" not in short.stdout.replace("characters", "")


def test_serve_on_a_network_address_refuses_to_start_without_any_credential(url: str) -> None:
    result = runner.invoke(app, ["serve", "--db", url, "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "doorstep keys create --role admin" in result.output
    assert "doorstep users add" in result.output
