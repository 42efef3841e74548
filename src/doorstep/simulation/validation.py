"""Does the model behave like the system?  One scenario, two operations, one comparison.

The same scenario (the same orders, shifts and service times) runs through the SimPy
model twice: once on the in-memory operation the peak commands use, once on the real
services on a fresh SQLite database (``live.ServiceOperation``), with a few short picks
the in-memory model does not know about.  The backlog — orders accepted and not yet
handed to a carrier — is compared at the end of every hour.

The error of an hour is ``|model − real| / max(real, floor)``: relative where the real
backlog is of a size that matters, and measured against ``floor`` orders (default 10) in
the quiet hours, where one order is not ten percent of anything a planner would act on.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from doorstep.adapters.db.schema import upgrade
from doorstep.bootstrap import make_engine
from doorstep.clock import SimulatedClock
from doorstep.simulation.arrivals import generate, local_origin, location_codes, sku_slots
from doorstep.simulation.charts import line_chart
from doorstep.simulation.live import ServiceOperation, backlog_per_hour
from doorstep.simulation.model import PeakModel
from doorstep.simulation.operation import MemoryOperation
from doorstep.simulation.runner import site_for
from doorstep.simulation.scenario import Scenario


@dataclass(frozen=True)
class Validation:
    model: list[int]
    real: list[int]
    errors: list[float]
    orders: int
    short_picks: int

    @property
    def worst(self) -> float:
        return max(self.errors, default=0.0)

    def chart(self, labels: list[str]) -> str:
        return line_chart("Backlog per hour: the model against the real services", labels,
                          {"model (in memory)": self.model, "real services": self.real},
                          y_label="orders accepted, not handed over")


def compare(model: list[int], real: list[int], floor: float = 10.0) -> list[float]:
    return [abs(m - r) / max(r, floor) for m, r in zip(model, real, strict=True)]


def validate(scenario: Scenario, *, database_url: str | None = None,
             short_picks: float = 0.02, floor: float = 10.0) -> Validation:
    site = site_for(scenario)
    codes = location_codes(site.layout)
    orders = list(generate(scenario, codes))
    memory = PeakModel(scenario, MemoryOperation(site, scenario.policy), site)
    model_curve = memory.run(iter(orders)).hourly_backlog().tolist()
    with tempfile.TemporaryDirectory() as tmp:
        url = database_url or f"sqlite:///{Path(tmp) / 'validation.db'}"
        engine = make_engine(url, sqlite_synchronous="OFF")  # a throw-away database
        try:
            upgrade(engine)
            origin = local_origin(scenario)
            service = ServiceOperation(engine, site, scenario.policy, SimulatedClock(origin),
                                       short_picks=short_picks, seed=scenario.seed)
            slots = sku_slots(codes, scenario.warehouse.skus, scenario.seed)
            spare = [c for c in codes if c not in set(slots)][:50] or codes[:1]
            service.stock(slots, reserve=spare)
            PeakModel(scenario, service, site).run(iter(orders))
            real_curve = backlog_per_hour(engine, origin, scenario.days * 24)
        finally:
            engine.dispose()
    return Validation(model_curve, real_curve, compare(model_curve, real_curve, floor),
                      len(orders), service.shorts)


def write_chart(result: Validation, scenario: Scenario, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    labels = [f"{(scenario.start + timedelta(days=h // 24)):%a} {h % 24:02d}h"
              for h in range(scenario.days * 24)]
    path.write_text(result.chart(labels), encoding="utf-8")
    return path
