"""Peak simulation: a Black-Friday week of about 200,000 orders through the full model,
and — in the same run — the model against the real services on the two-day scenario.

1. ``examples/peak/black-friday.toml`` through ``simulation.runner.simulate``: arrivals,
   the picking domain's own ``plan_wave`` every five minutes, pickers, packers at their
   benches, hand-over, carrier pick-ups and a promise per order from the fitted model.
   The promise model (fitted on a year of synthetic history, as a shop fits it once) is
   built before the clock starts; its fit time is printed beside.
2. ``examples/peak/two-days.toml`` through the in-memory model and through the real
   services on a simulated clock (``simulation.validation``): the worst hour's backlog
   error is ``backlog_error_max``.

Targets: the week in ≤ 60 s on one core (``cpu_s`` is the process's CPU time, which is the
figure on a shared machine; ``wall_s`` is the elapsed time), ``backlog_error_max`` ≤ 0.10.
The last line printed is one JSON object.

    .venv/bin/python benchmarks/simulate.py
    .venv/bin/python benchmarks/simulate.py --scenario examples/peak/launch.toml
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from doorstep.simulation.promises import model_for
from doorstep.simulation.report import summary
from doorstep.simulation.runner import simulate
from doorstep.simulation.scenario import load_scenario
from doorstep.simulation.validation import validate

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", type=Path, default=ROOT / "examples/peak/black-friday.toml")
    ap.add_argument("--validation", type=Path, default=ROOT / "examples/peak/two-days.toml")
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()

    scenario = load_scenario(args.scenario)
    if args.seed is not None:
        scenario = scenario.with_seed(args.seed)
    began = time.perf_counter()
    model, source = model_for(scenario)
    fit_s = time.perf_counter() - began

    cpu0, wall0 = time.process_time(), time.perf_counter()
    result = simulate(scenario, model=model, model_source=source)
    cpu_s, wall_s = time.process_time() - cpu0, time.perf_counter() - wall0
    info = summary(result)
    load = os.getloadavg()[0]
    print(f"{scenario.name}: {result.orders:,} orders over {scenario.days} days "
          f"(load average {load:.1f})")
    print(f"  simulated in {wall_s:.1f} s wall, {cpu_s:.1f} s CPU "
          f"(target ≤ 60 s on one core); promise model fitted before in {fit_s:.1f} s")
    print(f"  {result.orders / cpu_s:,.0f} simulated orders per CPU second; "
          f"{result.shipped:,} handed over, {info['missed_cutoffs']:,} missed a cut-off, "
          f"promises kept {result.kept_share:.1%}")
    neck = info["first_bottleneck"]
    print("  first bottleneck: " + ("none" if neck is None else
                                    f"{neck['station']} at {neck['at']}"))

    v0 = time.perf_counter()
    check = validate(load_scenario(args.validation))
    print(f"validation ({check.orders} orders, {check.short_picks} short picks, "
          f"{time.perf_counter() - v0:.1f} s): model vs real services, worst hour "
          f"{check.worst:.1%} (target ≤ 10 %); peak backlog model {max(check.model)}, "
          f"real {max(check.real)}")
    print(json.dumps({
        "orders": result.orders,
        "wall_s": round(wall_s, 2),
        "cpu_s": round(cpu_s, 2),
        "sim_orders_per_s": round(result.orders / wall_s, 1),
        "backlog_error_max": round(check.worst, 4),
        "kept_share": round(result.kept_share, 4),
        "first_bottleneck": None if neck is None else neck["station"],
        "fit_s": round(fit_s, 2),
        "load_avg": round(load, 2),
    }))


if __name__ == "__main__":
    main()
