"""Reads the lead-time SLA file (setting ``lead_time_sla_path``, docs/cockpit.md)::

    # delivery days from hand-over, per carrier and destination country
    default = 5            # every other lane (optional)

    [dhl]
    DE = 2
    AT = 3
    "*" = 4                # DHL to any other country

    ["*"]                  # any carrier …
    NL = 3                 # … to the Netherlands

Read once when the app starts, so a mistake stops ``doorstep serve`` with a message naming
the entry instead of surfacing on the operator's screen.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from doorstep.domain.lead_time_sla import NO_SLA, LeadTimeSla, SlaError


def read_sla(path: str | Path) -> LeadTimeSla:
    """The SLA table in ``path``; the empty table for an empty setting."""
    if not str(path).strip():
        return NO_SLA
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise SlaError(f"lead_time_sla_path: {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise SlaError(f"lead_time_sla_path: {path} is not TOML: {exc}") from exc
    default = data.pop("default", None)
    days: dict[tuple[str, str], int] = {}
    for carrier, countries in data.items():
        if not isinstance(countries, dict):
            raise SlaError(f"SLA {carrier}: expected a table of countries and days "
                           f"([{carrier}] then DE = 2), got {countries!r}")
        for country, n in countries.items():
            days[(carrier.strip().lower(), country.strip().upper())] = n
    return LeadTimeSla(days=days, default=default)
