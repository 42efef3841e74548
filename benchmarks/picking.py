"""Picking benchmark: exact vs heuristic routes, and batching vs single-order and FCFS.

Run:  .venv/bin/python benchmarks/picking.py [--instances N] [--seed S]

Routing: generated single-block warehouses (5-30 aisles) and two- and three-block ones,
5-60 picks; per method the mean distance above the exact optimum and routes per second.
Batching: 40 orders of 1-4 lines in a 10-aisle warehouse, cart of 8 orders (totes); total
distance of seed and savings batching (each + local search) against single-order picking
and first-come-first-served batching, the time (wall and CPU) of one plan and the routes
it asked for — savings also without pruning (no monotone bound, no lower bound: the same
plan from more routes) — all side by side in this run.
The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from rich.console import Console
from rich.table import Table

from doorstep.domain.picking import (
    Cart,
    PickOrder,
    RectangularLayout,
    plan_batches,
    route,
    tour_length,
)
from doorstep.domain.picking.routing import tour_length_bound

HEURISTICS = ["s-shape", "return", "midpoint", "largest-gap", "combined"]
METHODS = ["exact", *HEURISTICS]
CONFIGS = [  # (label, aisles, cross aisles, picks)
    *[
        (f"1 block, {a} aisles, {p} picks", a, 2, p)
        for a in (5, 10, 20, 30)
        for p in (5, 15, 30, 60)
    ],
    *[(f"2 blocks, 10 aisles, {p} picks", 10, 3, p) for p in (5, 15, 30, 60)],
    *[(f"3 blocks, 10 aisles, {p} picks", 10, 4, p) for p in (5, 15, 30, 60)],
]


def layout(aisles: int, cross: int) -> RectangularLayout:
    return RectangularLayout(
        aisles=aisles,
        aisle_length=20.0,
        aisle_spacing=3.0,
        cross_aisles=cross,
        cross_aisle_width=2.0,
        slot_pitch=1.0,
    )


def picks(rng: random.Random, lay: RectangularLayout, n: int) -> list[str]:
    positions = lay.slots_per_block * lay.blocks
    return [
        lay.code_for(
            rng.randint(1, lay.aisles), rng.randint(1, positions), rng.choice(["left", "right"])
        )
        for _ in range(n)
    ]


def bench_routing(rng: random.Random, instances: int, console: Console) -> dict[str, float]:
    gaps: dict[str, list[float]] = {m: [] for m in HEURISTICS}
    seconds: dict[str, float] = dict.fromkeys(METHODS, 0.0)
    count = 0
    table = Table(title=f"routing: mean % above the exact optimum ({instances} instances each)")
    table.add_column("instances")
    for m in HEURISTICS:
        table.add_column(m, justify="right")
    table.add_column("exact ms", justify="right")
    for label, aisles, cross, n in CONFIGS:
        lay = layout(aisles, cross)
        row: dict[str, list[float]] = {m: [] for m in HEURISTICS}
        exact_t = 0.0
        for _ in range(instances):
            codes = picks(rng, lay, n)
            dist = {}
            for m in METHODS:
                t0 = time.perf_counter()
                dist[m] = route(lay, codes, m).distance
                dt = time.perf_counter() - t0
                seconds[m] += dt
                exact_t += dt if m == "exact" else 0.0
            for m in HEURISTICS:
                gap = (dist[m] / dist["exact"] - 1) * 100
                row[m].append(gap)
                gaps[m].append(gap)
            count += 1
        table.add_row(
            label,
            *(f"{statistics.mean(row[m]):.1f}" for m in HEURISTICS),
            f"{exact_t / instances * 1000:.2f}",
        )
    console.print(table)
    speed = Table(title="routes per second (all instances above)")
    speed.add_column("method")
    speed.add_column("routes/s", justify="right")
    speed.add_column("mean % above optimum", justify="right")
    for m in METHODS:
        gap = statistics.mean(gaps[m]) if m in gaps else 0.0
        speed.add_row(m, f"{count / seconds[m]:.0f}", f"{gap:.1f}")
    console.print(speed)
    return {m: round(statistics.mean(v), 2) for m, v in gaps.items()}


def bench_exact_30_10(rng: random.Random, repeats: int) -> float:
    lay = layout(10, 2)
    instances = [picks(rng, lay, 30) for _ in range(repeats)]
    route(lay, instances[0])  # warm the DP's transition caches, as a running service would be
    t0 = time.perf_counter()
    for codes in instances:
        route(lay, codes)
    return (time.perf_counter() - t0) / repeats * 1000


def bench_batching(
    rng: random.Random, rounds: int, console: Console
) -> tuple[float, float, tuple[float, float]]:
    """Batching totals, times and routes asked for; savings also without pruning."""
    lay = layout(10, 2)
    cart = Cart(totes=8)
    runs = {  # label -> (method, prune: monotone + lower bound)
        "single": ("single", True),
        "fcfs": ("fcfs", True),
        "seed": ("seed", True),
        "savings": ("savings", True),
        "savings, no pruning": ("savings", False),
    }
    totals = dict.fromkeys(runs, 0.0)
    t_used = dict.fromkeys(runs, 0.0)
    cpu_used = dict.fromkeys(runs, 0.0)
    routes = dict.fromkeys(runs, 0)
    calls = [0]

    def length(locs: Sequence[str]) -> float:
        calls[0] += 1
        return tour_length(lay, locs)

    def bound(locs: Sequence[str]) -> float:
        return tour_length_bound(lay, locs)

    for _ in range(rounds):
        orders = [PickOrder(f"o{i}", tuple(picks(rng, lay, rng.randint(1, 4)))) for i in range(40)]
        for label, (m, prune) in runs.items():
            calls[0] = 0
            t0, c0 = time.perf_counter(), time.process_time()
            plan = plan_batches(
                orders, cart, length, method=m, monotone=prune, lower_bound=bound if prune else None
            )
            t_used[label] += time.perf_counter() - t0
            cpu_used[label] += time.process_time() - c0
            totals[label] += plan.distance
            routes[label] += calls[0]
    table = Table(title=f"batching: 40 orders x {rounds} rounds, cart of 8 orders, 10 aisles")
    cols = ("method", "total distance (m)", "vs single", "vs FCFS", "ms/plan", "CPU ms", "routes")
    for col in cols:
        table.add_column(col, justify="right")
    for label, total in totals.items():
        m = runs[label][0]
        name = label.replace(m, f"{m}+local-search", 1) if m in ("seed", "savings") else label
        table.add_row(
            name,
            f"{total:.0f}",
            f"{(1 - total / totals['single']) * 100:.1f} %",
            f"{(1 - total / totals['fcfs']) * 100:.1f} %",
            f"{t_used[label] / rounds * 1000:.0f}",
            f"{cpu_used[label] / rounds * 1000:.0f}",
            f"{routes[label] / rounds:.0f}",
        )
    console.print(table)
    best = totals["savings"]
    batch_ms = t_used["savings"] / rounds * 1000, cpu_used["savings"] / rounds * 1000
    return 1 - best / totals["single"], 1 - best / totals["fcfs"], batch_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=20, help="instances per routing config")
    parser.add_argument("--rounds", type=int, default=5, help="batching rounds of 40 orders")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    console = Console(width=120)
    gaps = bench_routing(rng, args.instances, console)
    exact_ms = bench_exact_30_10(rng, 200)
    console.print(f"exact route, 30 picks, 10 aisles: {exact_ms:.2f} ms (target <= 5 ms)")
    vs_single, vs_fcfs, (batch_ms, batch_cpu_ms) = bench_batching(rng, args.rounds, console)
    console.print(
        f"savings batching saves {vs_single * 100:.1f} % vs single-order picking "
        f"(target >= 20 %) and {vs_fcfs * 100:.1f} % vs FCFS batching; one savings + local "
        f"search plan of 40 orders takes {batch_ms:.0f} ms ({batch_cpu_ms:.0f} ms CPU; "
        f"target <= 300 ms)"
    )
    print(
        json.dumps(
            {
                "exact_ms_30picks_10aisles": round(exact_ms, 3),
                "heuristic_gap": gaps,
                "batching_saving_vs_single": round(vs_single, 4),
                "batching_saving_vs_fcfs": round(vs_fcfs, 4),
                "batch_40_orders_ms": round(batch_ms, 1),
                "batch_40_orders_cpu_ms": round(batch_cpu_ms, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
