"""The merchant's lead-time SLA per carrier and destination country, in delivery days.

What a merchant agreed with (or expects from) each carrier: "DHL delivers within Germany in
2 delivery days, to Austria in 3".  The watchlist's ``lead_time_exceeded`` checks a parcel
against it beside the promise made to the customer (``domain.watchlist.lead_time_deadline``):
counted from the hand-over day on the carrier's delivery days in the destination country,
the parcel is late after the end of the last SLA day.

Lookup, most specific first::

    (carrier, country)  ->  (carrier, "*")  ->  ("*", country)  ->  default  ->  none

Without any entry (and no default) a lane has no SLA and the promise, or else the lane's
usual transit, decides alone — as before this setting existed.  The table is read from the
TOML file named by the setting ``lead_time_sla_path`` (``adapters/sla_file.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

ANY = "*"
MAX_DAYS = 60


class SlaError(ValueError):
    """An SLA entry doorstep cannot use; the message names the entry."""


@dataclass(frozen=True)
class Sla:
    """The SLA that applies to one lane: ``days`` delivery days from hand-over."""

    carrier: str
    """The carrier as the entry named it (``*`` for every carrier)."""
    country: str
    """The destination country as the entry named it (``*`` for every country)."""
    days: int


@dataclass(frozen=True)
class LeadTimeSla:
    """Delivery days per (carrier, destination country); ``*`` matches any."""

    days: Mapping[tuple[str, str], int] = field(default_factory=dict)
    default: int | None = None

    def __post_init__(self) -> None:
        for (carrier, country), days in self.days.items():
            _check(f"{carrier}.{country}", days)
            if carrier != carrier.lower() or country != country.upper():
                raise SlaError(f"SLA {carrier}.{country}: write carriers in lower case and "
                               f"countries as upper-case ISO codes")
        if self.default is not None:
            _check("default", self.default)

    def for_lane(self, carrier: str, country: str) -> Sla | None:
        """The SLA of a parcel of ``carrier`` to ``country``, or None without one."""
        carrier, country = carrier.lower(), country.upper()
        for key in ((carrier, country), (carrier, ANY), (ANY, country)):
            days = self.days.get(key)
            if days is not None:
                return Sla(key[0], key[1], days)
        return None if self.default is None else Sla(ANY, ANY, self.default)

    def __bool__(self) -> bool:
        return bool(self.days) or self.default is not None


def _check(name: str, days: object) -> None:
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise SlaError(f"SLA {name}: {days!r} is not a whole number of delivery days "
                       f"between 1 and {MAX_DAYS}")


NO_SLA = LeadTimeSla()
