"""Prometheus recording and alerting rules, and a Grafana dashboard, from the SLO settings.

Intake is alerted on its error budget with the Google SRE workbook's multi-window,
multi-burn-rate scheme (chapter "Alerting on SLOs", table 5-8).  A request is *bad* when it
was a 5xx or took longer than ``slo_intake_latency_s``; the budget is ``1 - target``::

    severity  burn rate  long window  short window  budget spent when it fires
    page      14.4 ×     1 h          5 min         2 % of 30 days
    page       6   ×     6 h          30 min        5 %
    ticket     1   ×     3 d          6 h           10 %

Both windows must burn: the long one proves it matters, the short one that it is still
happening (so the alert resets soon after the problem stops).  The other objectives are
plain thresholds held for ``for:`` (overridable, so a test can fire them in seconds):
outbox lag, promises kept over 28 days, quarantine inflow per hour, the target being up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from doorstep.settings import Settings

INTAKE = "doorstep_intake_request_duration_seconds"
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5,
                   0.75, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0)
"""Buckets of the intake histogram: every usual latency objective is a boundary."""
WINDOWS = ("5m", "30m", "1h", "6h", "3d")
BURN_ALERTS = (  # (severity, factor, long window, short window, for)
    ("page", 14.4, "1h", "5m", "2m"),
    ("page", 6.0, "6h", "30m", "15m"),
    ("ticket", 1.0, "3d", "6h", "1h"),
)


class RulesError(ValueError):
    """A setting cannot be turned into rules; the message names it."""


@dataclass(frozen=True, kw_only=True)
class Objectives:
    intake_target: float
    intake_latency_s: float
    outbox_lag_s: float
    promise_kept: float
    quarantine_per_hour: float
    job: str = "doorstep"

    @classmethod
    def from_settings(cls, settings: Settings, *, job: str = "doorstep") -> Objectives:
        return cls(intake_target=settings.slo_intake_target,
                   intake_latency_s=settings.slo_intake_latency_s,
                   outbox_lag_s=settings.slo_outbox_lag_s,
                   promise_kept=settings.slo_promise_kept,
                   quarantine_per_hour=settings.slo_quarantine_per_hour, job=job)

    def __post_init__(self) -> None:
        if not 0.0 < self.intake_target < 1.0:
            raise RulesError("slo_intake_target: must lie strictly between 0 and 1")
        if self.intake_latency_s not in LATENCY_BUCKETS:
            raise RulesError(f"slo_intake_latency_s: {self.intake_latency_s} is not a bucket of "
                             f"{INTAKE} (one of {', '.join(map(str, LATENCY_BUCKETS))})")
        if self.outbox_lag_s <= 0 or self.quarantine_per_hour <= 0:
            raise RulesError("slo_outbox_lag_s, slo_quarantine_per_hour: must be > 0")
        if not 0.0 < self.promise_kept <= 1.0:
            raise RulesError("slo_promise_kept: must lie in (0, 1]")

    @property
    def budget(self) -> float:
        return 1.0 - self.intake_target


def _le(seconds: float) -> str:
    """The ``le`` label the Python client writes for a bucket bound (``0.25``, ``1.0``)."""
    return repr(float(seconds))


def recording_rules(o: Objectives) -> list[dict[str, Any]]:
    """``doorstep:intake_bad:ratio_rate<w>`` for every window the alerts read."""
    rules: list[dict[str, Any]] = []
    for w in WINDOWS:
        total = f'sum(rate({INTAKE}_count{{job="{o.job}"}}[{w}]))'
        good = (f'sum(rate({INTAKE}_bucket{{job="{o.job}",code!="5xx",'
                f'le="{_le(o.intake_latency_s)}"}}[{w}]))')
        rules.append({"record": f"doorstep:intake_bad:ratio_rate{w}",
                      "expr": f"1 - ({good} / {total})"})
    return rules


def alerting_rules(o: Objectives, *, for_override: str | None = None) -> list[dict[str, Any]]:
    def hold(duration: str) -> str:
        return for_override if for_override is not None else duration

    rules: list[dict[str, Any]] = []
    for severity, factor, long_w, short_w, wait in BURN_ALERTS:
        threshold = round(factor * o.budget, 10)
        rules.append({
            "alert": f"DoorstepIntakeErrorBudgetBurn{long_w}",
            "expr": (f"doorstep:intake_bad:ratio_rate{long_w} > {threshold} and "
                     f"doorstep:intake_bad:ratio_rate{short_w} > {threshold}"),
            "for": hold(wait),
            "labels": {"severity": severity, "slo": "intake"},
            "annotations": {
                "summary": f"Order intake burns its error budget {factor:g}x too fast",
                "description": (f"Over {long_w} and {short_w} more than {threshold:.4%} of "
                                f"POST /v1/orders were 5xx or slower than "
                                f"{o.intake_latency_s * 1000:.0f} ms (objective "
                                f"{o.intake_target:.3%})."),
            },
        })
    rules += [
        {"alert": "DoorstepOutboxLag",
         "expr": f'max(doorstep_outbox_lag_seconds{{job="{o.job}"}}) > {o.outbox_lag_s:g}',
         "for": hold("2m"),
         "labels": {"severity": "page", "slo": "outbox"},
         "annotations": {"summary": "The outbox worker is behind",
                         "description": (f"The oldest unhandled outbox message is older than "
                                         f"{o.outbox_lag_s:g} s: allocation, promises and "
                                         "notifications wait. Is `doorstep worker` running?")}},
        {"alert": "DoorstepPromiseKeptBelowTarget",
         "expr": (f'min(doorstep_promise_kept_ratio{{job="{o.job}",window="28d"}}) '
                  f"< {o.promise_kept:g}"),
         "for": hold("1h"),
         "labels": {"severity": "ticket", "slo": "promise"},
         "annotations": {"summary": "Fewer promises kept than the target over 28 days",
                         "description": (f"Under {o.promise_kept:.1%} of delivered orders "
                                         "arrived by their promised latest date.")}},
        {"alert": "DoorstepQuarantineInflow",
         "expr": (f'sum(increase(doorstep_quarantine_records{{job="{o.job}"}}[1h])) '
                  f"> {o.quarantine_per_hour:g}"),
         "for": hold("15m"),
         "labels": {"severity": "ticket", "slo": "quarantine"},
         "annotations": {"summary": "Many records are being quarantined",
                         "description": (f"More than {o.quarantine_per_hour:g} records went "
                                         "to quarantine in the last hour; a shop or carrier "
                                         "feed may have changed its format.")}},
        {"alert": "DoorstepDown",
         "expr": f'up{{job="{o.job}"}} == 0',
         "for": hold("2m"),
         "labels": {"severity": "page", "slo": "availability"},
         "annotations": {"summary": "Prometheus cannot scrape doorstep",
                         "description": "The /metrics endpoint does not answer."}},
    ]
    return rules


def rule_groups(o: Objectives, *, for_override: str | None = None) -> dict[str, Any]:
    """The rules file as data (``yaml.safe_dump`` it)."""
    return {"groups": [
        {"name": "doorstep-slo-recording", "rules": recording_rules(o)},
        {"name": "doorstep-slo-alerts", "rules": alerting_rules(o, for_override=for_override)},
    ]}


def _panel(pid: int, title: str, exprs: list[tuple[str, str]], unit: str, x: int, y: int,
           *, thresholds: float | None = None) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [{"color": "green", "value": None}]
    if thresholds is not None:
        steps.append({"color": "red", "value": thresholds})
    return {
        "id": pid, "type": "timeseries", "title": title,
        "gridPos": {"h": 8, "w": 12, "x": x, "y": y},
        "datasource": {"type": "prometheus", "uid": "${datasource}"},
        "fieldConfig": {"defaults": {"unit": unit,
                                     "thresholds": {"mode": "absolute", "steps": steps},
                                     "custom": {"thresholdsStyle": {"mode": "line"}}},
                        "overrides": []},
        "targets": [{"refId": chr(65 + i), "expr": expr, "legendFormat": legend}
                    for i, (expr, legend) in enumerate(exprs)],
    }


def dashboard(o: Objectives) -> dict[str, Any]:
    """A Grafana dashboard over the same metrics and recording rules."""
    job = f'job="{o.job}"'
    panels = [
        _panel(1, "Intake: bad requests (5xx or slow), share", [
            (f"doorstep:intake_bad:ratio_rate{w}", w) for w in ("5m", "1h", "6h")],
            "percentunit", 0, 0, thresholds=o.budget),
        _panel(2, "Intake: requests per second by status class", [
            (f"sum by (code) (rate({INTAKE}_count{{{job}}}[5m]))", "{{code}}")],
            "reqps", 12, 0),
        _panel(3, "Intake latency p50 / p99", [
            (f"histogram_quantile(0.5, sum by (le) (rate({INTAKE}_bucket{{{job}}}[5m])))",
             "p50"),
            (f"histogram_quantile(0.99, sum by (le) (rate({INTAKE}_bucket{{{job}}}[5m])))",
             "p99")], "s", 0, 8, thresholds=o.intake_latency_s),
        _panel(4, "Outbox lag", [(f"max(doorstep_outbox_lag_seconds{{{job}}})", "lag"),
                                 (f"sum(doorstep_outbox_pending{{{job}}})", "pending")],
               "s", 12, 8, thresholds=o.outbox_lag_s),
        _panel(5, "Promises kept", [
            (f'doorstep_promise_kept_ratio{{{job},window="7d"}}', "7 days"),
            (f'doorstep_promise_kept_ratio{{{job},window="28d"}}', "28 days")],
            "percentunit", 0, 16, thresholds=o.promise_kept),
        _panel(6, "Quarantine: inflow per hour and held, by source", [
            (f"sum by (source) (increase(doorstep_quarantine_records{{{job}}}[1h]))",
             "in {{source}}"),
            (f"sum by (source) (doorstep_quarantine_held{{{job}}})", "held {{source}}")],
            "short", 12, 16, thresholds=o.quarantine_per_hour),
        _panel(7, "Orders by status", [
            (f"sum by (status) (doorstep_orders{{{job}}})", "{{status}}")], "short", 0, 24),
    ]
    return {
        "title": "doorstep — operations and SLOs",
        "uid": "doorstep-slo",
        "schemaVersion": 39,
        "version": 1,
        "editable": True,
        "time": {"from": "now-6h", "to": "now"},
        "refresh": "30s",
        "tags": ["doorstep", "slo"],
        "templating": {"list": [{"name": "datasource", "type": "datasource",
                                 "query": "prometheus", "label": "Prometheus"}]},
        "panels": panels,
    }
