"""Settings from environment variables, optionally a TOML file, and defaults.

Precedence: environment (``DOORSTEP_*``) over the TOML file (``DOORSTEP_CONFIG`` or
``./doorstep.toml``) over defaults.  Read once in ``bootstrap``; never at import time.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

DEFAULT_DATABASE_URL = "sqlite:///doorstep.db"


class SettingsError(ValueError):
    """A setting has a value doorstep cannot use; the message names the setting."""


@dataclass(frozen=True, kw_only=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    # FULL: a 201 survives a power cut (see bootstrap); NORMAL trades that for speed.
    sqlite_synchronous: str = "FULL"
    host: str = "127.0.0.1"
    port: int = 8000
    worker_batch_size: int = 100
    worker_poll_interval_s: float = 0.2
    promise_model_path: str = "promise-model.json"
    # shifts, closures and rates (a TOML file, docs/peak.md): the queue's capacity per day
    capacity_plan_path: str = ""
    shopify_webhook_secret: str = ""
    woocommerce_webhook_secret: str = ""
    timezone: str = "Europe/Berlin"
    country: str = "DE"
    log_level: str = "info"
    layout_path: str = ""
    # A folder of the merchant's own mapping profiles (docs/profiles.md): their names work
    # like built-in ones in imports, webhooks and quarantine releases.
    profiles_dir: str = ""
    warehouse: str = "BER"
    embedded_worker: bool = True
    bench_endpoints: bool = False
    # Service-level objectives the cockpit, the Prometheus rules and the alerts share
    # (docs/monitoring.md): intake answered without 5xx within the latency, outbox lag,
    # the share of promises kept over 28 days, quarantine inflow per hour.
    slo_intake_target: float = 0.999
    slo_intake_latency_s: float = 0.25
    slo_outbox_lag_s: float = 60.0
    slo_promise_kept: float = 0.95
    slo_quarantine_per_hour: float = 100.0
    # The watchlist's lead-time SLA per carrier and destination country (a TOML file,
    # docs/cockpit.md): "lead time exceeded" is checked against it beside the promise.
    lead_time_sla_path: str = ""
    prometheus_url: str = ""
    alert_webhook_url: str = ""
    alert_email: str = ""
    alert_smtp_host: str = "127.0.0.1"
    alert_smtp_port: int = 25
    # The customer's tracking page and notifications (docs/tracking-page.md)
    public_base_url: str = ""
    tracking_poll_s: int = 30
    notify_config: str = ""
    notify_templates_dir: str = ""
    smtp_host: str = ""
    smtp_port: int = 25
    smtp_starttls: bool = False
    smtp_username: str = ""
    smtp_password: str = ""
    notify_lease_s: float = 60.0
    notify_backoff_s: float = 30.0

    # Goods out (docs/packing.md): SSCCs are built from the merchant's GS1 company prefix;
    # the sender printed on labels is "Name|Street|Postcode|City|Country".
    gs1_company_prefix: str = ""
    sender_address: str = ""
    carriers_file: str = ""  # carrier accounts for labels through karrio (secrets: 0600)
    # The link in the QR code of doorstep's own label, with {reference} (the shop's order
    # reference) and {sscc} filled in, e.g. "https://shop.example/account/orders/{reference}";
    # empty: no QR.  Not the customer's /track/{token} link: that opens the order to
    # whoever holds the parcel.
    label_tracking_url: str = ""

    # Limits on what a caller may send (SECURITY.md lists them with their reasons).
    max_body_bytes: int = 1_048_576  # JSON request bodies (413 above)
    max_webhook_body_bytes: int = 5_242_880  # shop and carrier webhooks, CSV uploads
    max_header_bytes: int = 65_536  # request line + headers together (431 above)
    max_json_depth: int = 32  # nesting of objects and arrays in a JSON body (400 above)
    max_pick_orders: int = 300  # orders in one /v1/pick/batch or /v1/pick/wave request
    planner_budget_s: float = 10.0  # wall-clock budget of one pick-planning request
    # Rate limits in the `limits` library's notation ("100/second;3000/minute"); "" = off.
    rate_limit_per_key: str = "200/second"  # requests carrying a credential, per credential
    rate_limit_per_address: str = "30/second"  # anonymous requests, per client address
    rate_limit_failed_auth: str = "20/minute"  # 401 answers per client address
    rate_limit_storage: str = "memory://"  # per process; "redis://host:6379" to share
    access_log: bool = True
    session_hours: float = 12.0
    cookie_secure: str = "auto"  # auto: Secure when the request came over HTTPS

    def __post_init__(self) -> None:
        if self.sqlite_synchronous.upper() not in ("OFF", "NORMAL", "FULL", "EXTRA"):
            raise SettingsError(f"setting 'sqlite_synchronous': {self.sqlite_synchronous!r} is "
                                "not one of OFF, NORMAL, FULL, EXTRA")
        for name in ("max_body_bytes", "max_webhook_body_bytes", "max_header_bytes",
                     "max_json_depth", "max_pick_orders"):
            if getattr(self, name) < 1:
                raise SettingsError(f"setting {name!r}: must be at least 1")
        if self.gs1_company_prefix and not (self.gs1_company_prefix.isdigit()
                                            and 7 <= len(self.gs1_company_prefix) <= 10):
            raise SettingsError("setting 'gs1_company_prefix': must be the 7 to 10 digits GS1 "
                                "gave the merchant")
        if self.sender_address and len(self.sender_address.split("|")) != 5:
            raise SettingsError("setting 'sender_address': must be 'Name|Street|Postcode|City|"
                                "Country'")
        if self.label_tracking_url:
            check_label_link(self.label_tracking_url)
        if not self.planner_budget_s > 0:
            raise SettingsError("setting 'planner_budget_s': must be more than 0 seconds")
        for name in ("rate_limit_per_key", "rate_limit_per_address", "rate_limit_failed_auth"):
            text = getattr(self, name)
            if text.strip():
                from limits import parse_many  # imported here: settings load on every CLI call

                try:
                    parse_many(text)
                except ValueError as exc:
                    raise SettingsError(f"setting {name!r}: {text!r} is not a rate limit "
                                        "like '100/second' or '30/second;600/minute'") from exc
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name.endswith("_secret") and value and not value.strip():
                raise SettingsError(
                    f"setting {f.name!r} is blank (only whitespace): a blank secret would "
                    f"verify nothing — set a real secret or leave it empty to refuse all")
        if self.cookie_secure not in ("auto", "true", "false"):
            raise SettingsError(f"setting 'cookie_secure': {self.cookie_secure!r} is not one "
                                f"of auto, true, false")
        if not 0 < self.session_hours <= 24 * 30:
            raise SettingsError("setting 'session_hours': between 0 and 720")


def _coerce(name: str, raw: Any, kind: Any) -> Any:
    try:
        if kind in (bool, "bool"):
            if isinstance(raw, bool):
                return raw
            if str(raw).lower() in ("1", "true", "yes", "on"):
                return True
            if str(raw).lower() in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if kind in (int, "int"):
            return int(raw)
        if kind in (float, "float"):
            return float(raw)
        return str(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"setting {name!r}: cannot read {raw!r} as {kind}") from exc


def load_settings(
    environ: dict[str, str] | None = None, config_file: Path | None = None
) -> Settings:
    """Build ``Settings`` from a TOML file and the environment."""
    env = dict(os.environ if environ is None else environ)
    path = config_file or Path(env.get("DOORSTEP_CONFIG", "doorstep.toml"))
    values: dict[str, Any] = {}
    known = {f.name: f.type for f in fields(Settings)}
    if path.is_file():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SettingsError(f"config file {path}: {exc}") from exc
        section = data.get("doorstep", data)
        for key, raw in section.items():
            if key not in known:
                raise SettingsError(f"config file {path}: unknown setting {key!r}")
            values[key] = _coerce(key, raw, known[key])
    for name, kind in known.items():
        raw_env = env.get(f"DOORSTEP_{name.upper()}")
        if raw_env is not None:
            values[name] = _coerce(f"DOORSTEP_{name.upper()}", raw_env, kind)
    return Settings(**values)


LABEL_LINK_FIELDS = frozenset({"reference", "sscc"})


def check_label_link(template: str) -> None:
    """``label_tracking_url`` is an http(s) link whose only fields are {reference}/{sscc}."""
    import string

    if not template.startswith(("https://", "http://")):
        raise SettingsError("setting 'label_tracking_url': must start with https:// "
                            "(or http://)")
    try:
        names = {name for _text, name, _spec, _conv in string.Formatter().parse(template)
                 if name is not None}
    except ValueError as exc:
        raise SettingsError(f"setting 'label_tracking_url': {exc}") from exc
    unknown = sorted(names - LABEL_LINK_FIELDS)
    if unknown:
        raise SettingsError(f"setting 'label_tracking_url': unknown field {{{unknown[0]}}}; "
                            "only {reference} and {sscc} are filled in")
