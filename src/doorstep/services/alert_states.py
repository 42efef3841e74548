"""Alert states for the cockpit, and sending them to an operator's webhook or mailbox.

With ``prometheus_url`` set, the states are Prometheus's own (``/api/v1/alerts``): the
same evaluation, ``for:`` holds and multi-window burn rates the rules define.  Without
one, doorstep computes the threshold conditions itself from the database — outbox lag,
promises kept over 28 days, quarantine inflow in the last hour — and says so
(``source: local``); the intake burn rate needs a time series and is reported ``unknown``.

``send`` posts the firing alerts as one JSON document to ``alert_webhook_url`` and/or
e-mails a plain-text summary to ``alert_email`` over SMTP; run it from cron or a systemd
timer (``doorstep monitoring alerts --send``), or let Alertmanager route Prometheus's
alerts instead.
"""

from __future__ import annotations

import smtplib
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.quarantine_tables import quarantine_records
from doorstep.services.events import utcnow
from doorstep.services.outbox import outbox_lag_seconds
from doorstep.services.promise_health import PromiseHealthCache
from doorstep.settings import Settings


def prometheus_alerts(url: str, *, client: httpx.Client | None = None) -> list[dict[str, Any]]:
    """doorstep's alerts as Prometheus evaluates them (pending and firing)."""
    own = client or httpx.Client(timeout=5.0)
    try:
        body = own.get(url.rstrip("/") + "/api/v1/alerts").raise_for_status().json()
    finally:
        if client is None:
            own.close()
    out = []
    for alert in body.get("data", {}).get("alerts", []):
        labels = alert.get("labels", {})
        if not str(labels.get("alertname", "")).startswith("Doorstep"):
            continue
        out.append({"name": labels["alertname"], "state": alert.get("state", "unknown"),
                    "severity": labels.get("severity"), "slo": labels.get("slo"),
                    "summary": alert.get("annotations", {}).get("summary"),
                    "since": alert.get("activeAt"), "value": alert.get("value")})
    return out


def local_alerts(engine: Engine, settings: Settings,
                 health: PromiseHealthCache | None = None) -> list[dict[str, Any]]:
    """The threshold conditions computed from the database now (no ``for:`` hold)."""
    now = utcnow()
    lag = outbox_lag_seconds(engine)
    with engine.connect() as conn:
        inflow = int(conn.execute(select(func.count()).select_from(quarantine_records).where(
            quarantine_records.c.created_at >= now - timedelta(hours=1))).scalar() or 0)
    kept = (health or PromiseHealthCache(engine, settings.timezone)).get()[28].ratio

    def state(condition: bool | None) -> str:
        return "unknown" if condition is None else "firing" if condition else "inactive"

    return [
        {"name": "DoorstepOutboxLag", "severity": "page", "slo": "outbox",
         "state": state(lag > settings.slo_outbox_lag_s), "value": round(lag, 1),
         "summary": f"oldest unhandled outbox message {lag:.0f} s "
                    f"(objective {settings.slo_outbox_lag_s:g} s)"},
        {"name": "DoorstepPromiseKeptBelowTarget", "severity": "ticket", "slo": "promise",
         "state": state(None if kept is None else kept < settings.slo_promise_kept),
         "value": kept,
         "summary": ("no delivered order with a promise in 28 days" if kept is None else
                     f"{kept:.1%} of promises kept over 28 days "
                     f"(objective {settings.slo_promise_kept:.0%})")},
        {"name": "DoorstepQuarantineInflow", "severity": "ticket", "slo": "quarantine",
         "state": state(inflow > settings.slo_quarantine_per_hour), "value": inflow,
         "summary": f"{inflow} records quarantined in the last hour "
                    f"(objective at most {settings.slo_quarantine_per_hour:g})"},
        {"name": "DoorstepIntakeErrorBudgetBurn", "severity": "page", "slo": "intake",
         "state": "unknown", "value": None,
         "summary": "burn rates need Prometheus (set prometheus_url)"},
    ]


def alert_states(engine: Engine, settings: Settings, *,
                 health: PromiseHealthCache | None = None,
                 client: httpx.Client | None = None) -> dict[str, Any]:
    """What the cockpit shows: Prometheus's states when configured, else local ones."""
    if settings.prometheus_url:
        try:
            return {"source": "prometheus", "alerts": prometheus_alerts(
                settings.prometheus_url, client=client)}
        except (httpx.HTTPError, ValueError) as exc:
            return {"source": "local", "error": f"Prometheus unreachable: {exc}",
                    "alerts": local_alerts(engine, settings, health)}
    return {"source": "local", "alerts": local_alerts(engine, settings, health)}


def send(states: dict[str, Any], settings: Settings, *,
         client: httpx.Client | None = None) -> dict[str, int]:
    """Send the firing alerts to the webhook and/or the e-mail address; counts per channel."""
    firing = [a for a in states["alerts"] if a["state"] == "firing"]
    sent = {"webhook": 0, "email": 0}
    if not firing:
        return sent
    if settings.alert_webhook_url:
        own = client or httpx.Client(timeout=10.0)
        try:
            own.post(settings.alert_webhook_url, json={
                "source": states["source"], "firing": firing}).raise_for_status()
        finally:
            if client is None:
                own.close()
        sent["webhook"] = len(firing)
    if settings.alert_email:
        message = EmailMessage()
        message["Subject"] = f"doorstep: {len(firing)} alert(s) firing"
        message["From"] = f"doorstep@{settings.alert_smtp_host}"
        message["To"] = settings.alert_email
        message.set_content("\n".join(
            f"[{a['severity']}] {a['name']}: {a['summary']}" for a in firing) + "\n")
        with smtplib.SMTP(settings.alert_smtp_host, settings.alert_smtp_port,
                          timeout=10) as smtp:
            smtp.send_message(message)
        sent["email"] = len(firing)
    return sent
