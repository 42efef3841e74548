"""One delivered (or still travelling) order, as the promise engine learns from it.

``shipped_at`` empty means "not handed to the carrier yet" and ``delivered_at`` empty means
"not delivered yet": both are *censored* observations (we know the time is longer than what
has elapsed so far), never missing data to be thrown away.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, kw_only=True, slots=True)
class HistoryRow:
    order_id: str
    ordered_at: datetime
    shipped_at: datetime | None
    delivered_at: datetime | None
    carrier: str
    service: str
    origin_country: str = ""
    origin_region: str = ""
    origin_postcode: str = ""
    dest_country: str = ""
    dest_region: str = ""
    dest_postcode: str = ""
    # Carrier days the online correction added to this order's promise (``live``): the
    # refit learns the lane net of them, so a slow-down the correction already carried is
    # not learned a second time (corrections that stack).  Only positive shifts count.
    # Not in the repr: a fit-time annotation, not part of what happened to the order.
    transit_shift: int = field(default=0, repr=False)

    @property
    def carrier_service(self) -> str:
        return f"{self.carrier}:{self.service}"


def row_problems(row: HistoryRow) -> list[str]:
    """Reasons this row cannot be trusted; empty when it is fine."""
    problems: list[str] = []
    for name in ("ordered_at", "shipped_at", "delivered_at"):
        value = getattr(row, name)
        if value is not None and value.tzinfo is None:
            problems.append(f"{name}: timestamp has no time zone")
    if problems:
        return problems
    if not row.order_id:
        problems.append("order_id: empty")
    if not row.carrier:
        problems.append("carrier: empty")
    if not row.service:
        problems.append("service: empty")
    if row.shipped_at is not None and row.shipped_at < row.ordered_at:
        problems.append("shipped_at: before ordered_at")
    if row.delivered_at is not None:
        if row.shipped_at is None:
            problems.append("delivered_at: set but shipped_at is empty")
        elif row.delivered_at < row.shipped_at:
            problems.append("delivered_at: before shipped_at")
    if row.dest_country and (len(row.dest_country) != 2 or not row.dest_country.isupper()):
        problems.append("dest_country: not an ISO 3166-1 alpha-2 code")
    if row.origin_country and (len(row.origin_country) != 2 or not row.origin_country.isupper()):
        problems.append("origin_country: not an ISO 3166-1 alpha-2 code")
    return problems
