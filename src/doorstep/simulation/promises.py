"""Promises and carrier transit in the simulation, from the fitted promise model itself.

At arrival each order gets the promise the engine (``domain.promise.engine.make_promise``)
would give it with the backlog of that moment and the scenario's staffing plan as the
queue's capacity (the same plan the live engine reads).  At hand-over its transit is drawn
from the model's distribution for its lane, slowed as the model expects for that week, and
counted in the carrier's delivery days; the promise is kept if the parcel arrives on or
before the promised date.

Speed: a promise depends on the start day, the lane and the backlog; promises are cached
with the backlog rounded down to a step of 1 % of the larger of the backlog and the
busiest planned day (at least one order), so the cache serves almost every order of a
long peak.  Rounding down never gives a later
promise than the exact backlog would, since a promise never gets earlier with more backlog.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import numpy as np

from doorstep.adapters.promise_store import load_model
from doorstep.domain.carrier_service import DEFAULT_SERVICE, parse_carrier_service
from doorstep.domain.promise.calendar import start_day
from doorstep.domain.promise.engine import PromiseRequest, make_promise, transit_pmf
from doorstep.domain.promise.load import BacklogReading, CapacityPlan
from doorstep.domain.promise.model import PromiseModel
from doorstep.domain.promise.season import slowed
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.domain.staffing import capacity_plan
from doorstep.services.promise_service import build_calendars, fit_history
from doorstep.simulation.arrivals import SimOrder
from doorstep.simulation.scenario import Scenario


def synthetic_model(until: date, *, country: str = "DE", orders_per_day: int = 60) -> PromiseModel:
    """A model fitted on a year of generated history ending ``until`` (no model given)."""
    cals = build_calendars(country=country, subdiv=None, first_year=until.year - 1,
                           last_year=until.year + 1, dest_countries=DEST_COUNTRIES)
    rows = realistic_history(SyntheticConfig(start=until - timedelta(days=365), days=365,
                                             orders_per_day=orders_per_day), cals)
    return fit_history(rows, country=country, subdiv=None,
                       as_of=datetime.combine(until, time(0), tzinfo=UTC)).model


def model_for(scenario: Scenario) -> tuple[PromiseModel, str]:
    """The scenario's model file, or one fitted on synthetic history; and where it came from."""
    if scenario.promise_model:
        path = Path(scenario.promise_model)
        if not path.is_absolute() and scenario.source:
            path = Path(scenario.source).parent / path
        return load_model(path), str(path)
    return synthetic_model(scenario.start, country=scenario.country), "synthetic history"


def origin_region(model: PromiseModel, country: str) -> str:
    """The warehouse region the model learned processing for (``origin|DE-BY`` → ``BY``),
    so simulated orders find their lanes; "" when the model knows none or several."""
    regions = {key.split("|", 1)[1].split("-", 1)[1] for key in model.processing
               if key.startswith(f"origin|{country}-")}
    return regions.pop() if len(regions) == 1 else ""


@dataclass
class Outcome:
    promised: date
    under_load: bool


class PromiseDesk:
    def __init__(self, model: PromiseModel, scenario: Scenario, *,
                 added: dict[str, int] | None = None) -> None:
        self.model = model
        self.scenario = scenario
        self.level = scenario.promise_level
        wh = model.calendars.warehouse
        self.plan: CapacityPlan = capacity_plan(
            scenario.staff_plan(added), scenario.rates, scenario.start, scenario.days + 60,
            holidays=wh.holidays, after=model.capacity)
        first_day = self.plan.per_day.get(scenario.start.toordinal(), 0.0)
        busiest = max(self.plan.per_day.values(), default=first_day)
        self.step = max(1, int(0.01 * busiest))
        self._promises: dict[tuple[object, ...], Outcome] = {}
        self._transit: dict[tuple[str, str, str, float], np.ndarray] = {}
        self.rng = np.random.default_rng(scenario.seed + 7)
        self.origin_region = origin_region(model, scenario.country)
        self.zone = scenario.zone

    def request(self, order: SimOrder, at: datetime) -> PromiseRequest:
        named = parse_carrier_service(order.service) or DEFAULT_SERVICE
        return PromiseRequest(ordered_at=at, carrier=named.carrier, service=named.service,
                              dest_country=order.country, dest_postcode=order.postcode,
                              origin_country=self.scenario.country,
                              origin_region=self.origin_region)

    def promise(self, order: SimOrder, at: datetime, backlog: int) -> Outcome:
        cfg = self.model.config
        local = at.astimezone(self.zone)
        start = start_day(self.model.calendars.warehouse, local.replace(tzinfo=None), cfg.cutoff)
        step = max(self.step, backlog // 100)  # 1 % of the backlog, or of a planned day
        bucket = backlog - backlog % step
        key = (start, order.service, order.country, order.postcode[:2], bucket)
        found = self._promises.get(key)
        if found is None:
            p = make_promise(self.model, self.request(order, at),
                             reading=BacklogReading(backlog=bucket, plan=self.plan),
                             level=self.level)
            found = self._promises[key] = Outcome(p.window.promised_date, p.under_load)
        return found

    def delivery(self, order: SimOrder, shipped: date) -> date:
        """A delivery day for a parcel handed over on ``shipped`` (drawn from its lane)."""
        day = shipped.toordinal()
        share = self.model.slowdown.share(day)
        key = (order.service, order.country, order.postcode[:2], share)
        cdf = self._transit.get(key)
        if cdf is None:
            pmf = transit_pmf(self.model, self.request(
                order, datetime.combine(shipped, time(12), tzinfo=UTC)))[1]
            if share > 0:
                pmf = slowed(pmf, share)
            cdf = np.cumsum(pmf) / pmf.sum()
            self._transit[key] = cdf
        t = min(int(np.searchsorted(cdf, self.rng.random(), side="right")), len(cdf) - 1)
        if t == 0:
            return shipped
        open_days = self.model.calendars.carrier(order.carrier, order.country).open_days
        i = int(np.searchsorted(open_days, day, side="right")) + t - 1
        return date.fromordinal(int(open_days[min(i, len(open_days) - 1)]))
