"""Is a written UTC offset possible in the country where the parcel was scanned?

A carrier that writes ``+05:00`` for a scan in Hamburg has the zone wrong, and the event
would land hours off on the timeline.  The offsets a country uses on a given day come
from the IANA zones it spans (``countries.COUNTRY_ZONES``) and are cached per country
and UTC day, because every event of a busy feed asks the same question.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from doorstep.adapters.importers.countries import COUNTRY_ZONES
from doorstep.adapters.importers.dates import zone
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.domain.harmonise.tracking import TrackingEvent

__all__ = ["allowed_offsets", "offset_mismatch"]

_OFFSETS: dict[tuple[str, int], frozenset[int]] = {}


def allowed_offsets(country: str, at: datetime) -> frozenset[int]:
    """UTC offsets (minutes) in use in ``country`` on the UTC day of ``at`` (cached per day).

    On a daylight-saving changeover day both offsets count, so a scan in the hour
    around the switch is never misread as a wrong zone.
    """
    day = at.toordinal()
    key = (country, day)
    found = _OFFSETS.get(key)
    if found is None:
        start = datetime.fromordinal(day).replace(tzinfo=UTC)
        offsets = set()
        for name in COUNTRY_ZONES.get(country, ()):
            for moment in (start, start + timedelta(hours=23, minutes=59)):
                delta = moment.astimezone(zone(name)).utcoffset()
                if delta is not None:
                    offsets.add(int(delta.total_seconds() // 60))
        if len(_OFFSETS) > 100_000:
            _OFFSETS.clear()
        found = _OFFSETS[key] = frozenset(offsets)
    return found


def offset_mismatch(event: TrackingEvent) -> Reason | None:
    """``timezone_mismatch`` when the written offset never occurs in the scan's country.

    An offset of zero is read as "the carrier writes UTC" and is always accepted.
    """
    country = event.location.country
    if not country or country not in COUNTRY_ZONES or event.utc_offset_minutes is None:
        return None
    allowed = allowed_offsets(country, event.occurred_at)
    if event.utc_offset_minutes in allowed:
        return None
    return Reason(ReasonCode.timezone_mismatch, "timestamp",
                  f"offset {event.utc_offset_minutes:+d} min is not used in "
                  f"{country} on {event.occurred_at.date()} (expected {sorted(allowed)})")
