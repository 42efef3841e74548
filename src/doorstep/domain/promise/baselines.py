"""The two rules shops use today, fitted and scored exactly like the engine.

* ``fixed_rule``: "delivery in 3–5 working days" — earliest = 3rd, promised = latest = 5th
  warehouse working day after the order day.
* ``global_quantile``: one quantile of calendar days from order to delivery over all
  delivered training orders (what a spreadsheet gives), window from the 2.5 % / 97.5 %
  quantiles at 95 %.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

import numpy as np

from doorstep.domain.promise.calendar import WorkCalendar
from doorstep.domain.promise.engine import DeliveryWindow
from doorstep.domain.promise.history import HistoryRow


@dataclass(frozen=True)
class FixedRule:
    calendar: WorkCalendar
    earliest_days: int = 3
    latest_days: int = 5

    def window(self, order_day: date, level: float) -> DeliveryWindow:
        start = np.array([order_day.toordinal()])
        lo = self.calendar.nth_open_after(start, np.array([self.earliest_days]))[0]
        hi = self.calendar.nth_open_after(start, np.array([self.latest_days]))[0]
        latest = date.fromordinal(int(hi))
        return DeliveryWindow(promised_date=latest, earliest_date=date.fromordinal(int(lo)),
                              latest_date=latest, level=level)


@dataclass(frozen=True)
class GlobalQuantile:
    lead_days: tuple[int, ...]  # sorted calendar-day lead times of delivered training orders

    @classmethod
    def fit(cls, rows: Sequence[HistoryRow], timezone: str) -> GlobalQuantile:
        tz = ZoneInfo(timezone)
        days = sorted(
            (r.delivered_at.astimezone(tz).date() - r.ordered_at.astimezone(tz).date()).days
            for r in rows
            if r.delivered_at is not None
        )
        if not days:
            raise ValueError("global quantile: no delivered orders in the training history")
        return cls(tuple(days))

    def days_at(self, level: float) -> int:
        """Empirical quantile (the next observed value up, like numpy's ``higher``)."""
        i = math.ceil(level * (len(self.lead_days) - 1) - 1e-9)
        return self.lead_days[min(max(i, 0), len(self.lead_days) - 1)]

    def window(self, order_day: date, level: float) -> DeliveryWindow:
        o = order_day.toordinal()
        return DeliveryWindow(
            promised_date=date.fromordinal(o + self.days_at(level)),
            earliest_date=date.fromordinal(o + self.days_at((1 - level) / 2)),
            latest_date=date.fromordinal(o + self.days_at((1 + level) / 2)),
            level=level,
        )
