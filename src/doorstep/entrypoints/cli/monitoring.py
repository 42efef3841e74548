"""``doorstep monitoring``: Prometheus rules and a Grafana dashboard from the SLO settings.

    doorstep monitoring rules -o doorstep-rules.yml        # recording + alerting rules
    doorstep monitoring dashboard -o doorstep-dashboard.json

The SLOs come from the settings (``slo_*``; see docs/monitoring.md), so the rules, the
``/metrics`` targets and the cockpit agree.  Without ``-o`` the file goes to stdout.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from doorstep.entrypoints.cli.consoles import cli_console

console = cli_console(stderr=True)
app = typer.Typer(help="Prometheus rules and a Grafana dashboard for doorstep's SLOs.",
                  no_args_is_help=True)

OUT = typer.Option(None, "--output", "-o", help="Write here instead of stdout.")
JOB = typer.Option("doorstep", "--job", help="The Prometheus job name scraping doorstep.")


def _objectives(job: str) -> object:
    from doorstep.services.monitoring_rules import Objectives, RulesError
    from doorstep.settings import SettingsError, load_settings

    try:
        return Objectives.from_settings(load_settings(), job=job)
    except (SettingsError, RulesError) as exc:
        console.print(f"[red]configuration error:[/] {exc}")
        raise typer.Exit(2) from exc


def _write(text: str, output: Path | None) -> None:
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    console.print(f"wrote {output}")


@app.command("rules")
def rules(output: Path | None = OUT, job: str = JOB,
          for_override: str | None = typer.Option(
              None, "--for", help="Use this `for:` duration on every alert (e.g. 0s in "
                                  "tests); default: each alert's own.")) -> None:
    """Prometheus recording and alerting rules (multi-window, multi-burn-rate for intake)."""
    import yaml

    from doorstep.services.monitoring_rules import Objectives, rule_groups

    objectives = _objectives(job)
    assert isinstance(objectives, Objectives)
    text = yaml.safe_dump(rule_groups(objectives, for_override=for_override),
                          sort_keys=False, width=1000)
    _write(text, output)


@app.command("dashboard")
def dashboard(output: Path | None = OUT, job: str = JOB) -> None:
    """A Grafana dashboard (JSON, import it) over the same metrics and recording rules."""
    import json

    from doorstep.services.monitoring_rules import Objectives
    from doorstep.services.monitoring_rules import dashboard as build

    objectives = _objectives(job)
    assert isinstance(objectives, Objectives)
    _write(json.dumps(build(objectives), indent=2) + "\n", output)


@app.command("alerts")
def alerts(
    database_url: str | None = typer.Option(None, "--db", envvar="DOORSTEP_DATABASE_URL",
                                            help="Database URL."),
    as_json: bool = typer.Option(False, "--json", help="One JSON document on stdout."),
    send_firing: bool = typer.Option(False, "--send", help="Send firing alerts to "
                                     "alert_webhook_url and/or alert_email."),
) -> None:
    """Alert states now (from prometheus_url, else computed locally); optionally send them."""
    import json

    from doorstep.entrypoints.cli.core import _container
    from doorstep.services.alert_states import alert_states, send

    c = _container(database_url)
    states = alert_states(c.engine, c.settings)
    if send_firing:
        states["sent"] = send(states, c.settings)
    if as_json:
        typer.echo(json.dumps(states))
        return
    from rich.table import Table

    table = Table("alert", "state", "severity", "summary", title=f"source: {states['source']}")
    for a in states["alerts"]:
        table.add_row(a["name"], a["state"], str(a.get("severity")), str(a.get("summary")))
    Console().print(table)
    if "sent" in states:
        console.print(f"sent: {states['sent']}")
