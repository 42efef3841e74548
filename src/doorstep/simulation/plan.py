"""``peak plan``: the smallest staff added per shift that keeps a target share of promises.

A greedy search on common random numbers (every run uses the scenario's seed, so runs
differ only by the staff): run, and while the target is missed add one person per shift
to the station that broke first (or, if none broke, the busiest); once the target holds,
try taking each added person away again and keep the removal if the target still holds.
Each step is one full simulation; ``max_runs`` bounds the search.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from doorstep.domain.promise.model import PromiseModel
from doorstep.simulation.model import RunResult
from doorstep.simulation.report import first_bottleneck, utilisation
from doorstep.simulation.runner import simulate
from doorstep.simulation.scenario import Scenario

Step = Callable[[dict[str, int], RunResult], None]


@dataclass
class PlanResult:
    target: float
    added: dict[str, int]
    result: RunResult
    met: bool
    tried: list[tuple[dict[str, int], float]] = field(default_factory=list)


def _station_to_grow(result: RunResult) -> str:
    neck = first_bottleneck(result)
    if neck is not None and neck.station in ("pick", "pack", "handover"):
        return neck.station
    util = utilisation(result)
    return max(("pick", "pack", "handover"), key=lambda s: float(util[s].max(initial=0.0)))


def plan_staff(scenario: Scenario, target: float, *, model: PromiseModel, model_source: str,
               base: dict[str, int] | None = None, max_runs: int = 16,
               on_run: Step | None = None) -> PlanResult:
    added = dict(base or {})
    tried: list[tuple[dict[str, int], float]] = []

    def run(staff: dict[str, int]) -> RunResult:
        result = simulate(scenario, added=staff, model=model, model_source=model_source)
        tried.append((dict(staff), result.kept_share))
        if on_run is not None:
            on_run(dict(staff), result)
        return result

    result = run(added)
    while result.kept_share < target and len(tried) < max_runs:
        station = _station_to_grow(result)
        added[station] = added.get(station, 0) + 1
        result = run(added)
    if result.kept_share < target:
        return PlanResult(target, added, result, False, tried)
    for station in sorted(added):
        while added.get(station, 0) > (base or {}).get(station, 0) and len(tried) < max_runs:
            fewer = {**added, station: added[station] - 1}
            trial = run(fewer)
            if trial.kept_share < target:
                break
            added, result = fewer, trial
    return PlanResult(target, {k: v for k, v in added.items() if v}, result, True, tried)
