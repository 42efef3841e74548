"""The deployment files in deploy/ start doorstep as docs/deploy.md says: every command they
run is a command doorstep accepts, every setting they set is one doorstep knows, and the
proxy sends traffic to the API services that exist."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
from dataclasses import fields
from pathlib import Path
from typing import Any

import click
import pytest
import typer

from doorstep.entrypoints.cli import app
from doorstep.settings import Settings

yaml = pytest.importorskip("yaml")

DEPLOY = Path(__file__).resolve().parents[3] / "deploy"
SETTINGS = {f"DOORSTEP_{f.name.upper()}" for f in fields(Settings)}


def accepts(argv: list[str]) -> None:
    """Parse ``doorstep ARGV`` down to its sub-command's options without running it."""
    command: click.Command = typer.main.get_command(app)
    name = "doorstep"
    while isinstance(command, click.Group):
        name, *argv = argv
        sub = command.get_command(click.Context(command), name)
        assert sub is not None, f"doorstep has no command {name!r}"
        command = sub
    command.make_context(name, list(argv))  # raises on an unknown option or a bad value


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    return data


def test_compose_runs_postgres_a_migration_two_apis_two_workers_and_a_proxy() -> None:
    """The services the issue asks for, each doorstep one with a command doorstep accepts
    and only settings doorstep knows."""
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "api1", "api2", "worker1", "worker2", "proxy"}
    doorstep = {name: s for name, s in services.items() if s.get("image") == "doorstep:latest"}
    assert set(doorstep) == {"migrate", "api1", "api2", "worker1", "worker2"}
    for name, service in doorstep.items():
        accepts(service["command"])
        assert set(service["environment"]) <= SETTINGS, name
    for name in ("api1", "api2", "worker1", "worker2"):
        assert services[name]["depends_on"]["migrate"]["condition"] == \
            "service_completed_successfully"
    assert services["api1"]["command"][0] == "serve"
    assert services["worker1"]["command"] == ["worker"]


def test_the_proxy_balances_over_exactly_the_api_services_and_checks_their_health() -> None:
    services = compose()["services"]
    upstreams = services["proxy"]["environment"]["DOORSTEP_UPSTREAMS"].split()
    assert upstreams == ["api1:8000", "api2:8000"]
    for upstream in upstreams:
        name, port = upstream.split(":")
        command = services[name]["command"]
        assert command[command.index("--port") + 1] == port
        assert command[command.index("--host") + 1] == "0.0.0.0"
    caddyfile = (DEPLOY / "Caddyfile").read_text()
    assert "reverse_proxy {$DOORSTEP_UPSTREAMS}" in caddyfile
    assert "health_uri /healthz" in caddyfile


def test_compose_config_accepts_the_file_where_docker_compose_is_installed() -> None:
    """Validated by Compose itself when it is on the machine (skipped otherwise)."""
    if shutil.which("docker-compose"):
        command = ["docker-compose"]
    elif shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True, check=False).returncode == 0:
        command = ["docker", "compose"]
    else:
        pytest.skip("neither docker-compose nor the docker compose plugin is installed")
    done = subprocess.run([*command, "-f", str(DEPLOY / "compose.yaml"), "config", "-q"],
                          env={**os.environ, "DOORSTEP_DB_PASSWORD": "test"},
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    parser.read(DEPLOY / "systemd" / name)
    return parser


@pytest.mark.parametrize("name", ["doorstep-api@.service", "doorstep-worker@.service",
                                  "doorstep-migrate.service"])
def test_each_systemd_unit_runs_a_command_doorstep_accepts_after_the_migration(
        name: str) -> None:
    service = unit(name)["Service"]
    program, *argv = service["ExecStart"].replace("%i", "8000").split()
    assert program == "/opt/doorstep/venv/bin/doorstep"
    accepts(argv)
    assert service["EnvironmentFile"] == "/etc/doorstep/doorstep.env"
    assert service["User"] == "doorstep"
    if name != "doorstep-migrate.service":
        assert "doorstep-migrate.service" in unit(name)["Unit"]["Requires"]


def test_the_example_environment_file_sets_only_known_settings() -> None:
    text = (DEPLOY / "systemd" / "doorstep.env.example").read_text()
    names = re.findall(r"^([A-Z_]+)=", text, flags=re.MULTILINE)
    assert "DOORSTEP_DATABASE_URL" in names
    assert set(names) <= SETTINGS
