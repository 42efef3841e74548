"""CLI start-up and the demo's batching, each measured side by side in one run.

Run:  .venv/bin/python benchmarks/cli_startup.py [--runs N] [--orders N] [--skip-demo]

Start-up: wall time (median of ``--runs`` fresh processes) of ``doorstep --help`` and
``doorstep pick route --help`` as the CLI is now (heavy imports inside the commands) and as
it was (a process that first imports every module the commands load, then shows the same
help), plus the heavy packages each one imported (``python -X importtime``).
Demo batching: ``doorstep demo --no-serve`` twice in fresh processes, once with
``plan_wave``'s batching pruning (``monotone`` + ``lower_bound``) and once with it stripped;
the time spent in ``plan_batches``, the whole run, and whether every batch plan was equal.
The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("numpy", "scipy", "alembic", "fastapi", "sqlalchemy", "holidays", "pydantic", "yaml")
# What the command modules imported at module level before start-up was made lazy.
EAGER = (
    "doorstep.adapters.db.schema", "doorstep.bootstrap", "doorstep.demo.run",
    "doorstep.services.sites", "doorstep.services.waves", "doorstep.adapters.db.uow",
    "doorstep.adapters.layout_file", "doorstep.domain.picking",
    "doorstep.adapters.calibration_chart", "doorstep.adapters.history_csv",
    "doorstep.adapters.promise_store", "doorstep.services.promise_service",
    "doorstep.adapters.importers.order_mapping", "doorstep.adapters.importers.profile_check",
    "doorstep.adapters.quarantine_store", "doorstep.services.order_import",
    "doorstep.adapters.importers.tracking_pipeline",
    "doorstep.adapters.importers.tracking_quarantine",
)
CLI = "from doorstep.entrypoints.cli import main; main()"

# Runs in a child process: demo with plan_wave's pruning on ("pruned") or stripped ("full").
DEMO_CHILD = """
import hashlib, json, sys, time
import doorstep.domain.picking.waves as waves
mode, directory, orders = sys.argv[1], sys.argv[2], sys.argv[3]
real, spent, plans = waves.plan_batches, [0.0], []
def timed(*args, **kwargs):
    if mode == "full":
        kwargs.pop("monotone", None)
        kwargs.pop("lower_bound", None)
    start = time.perf_counter()
    plan = real(*args, **kwargs)
    spent[0] += time.perf_counter() - start
    # order ids are fresh ULIDs each run: compare inputs and batches by position instead
    at = {o.id: n for n, o in enumerate(args[0])}
    plans.append(repr(([o.locations for o in args[0]],
                       [([at[i] for i in b.orders], round(b.distance, 6)) for b in plan.batches])))
    return plan
waves.plan_batches = timed
from doorstep.entrypoints.cli import app
start = time.perf_counter()
app(["demo", "--dir", directory, "--orders", orders, "--no-serve"], standalone_mode=False)
print(json.dumps({"total_s": time.perf_counter() - start, "batching_s": spent[0],
                  "plans": len(plans),
                  "digest": hashlib.sha256("\\n".join(plans).encode()).hexdigest()}))
"""


def _run(code: str, args: list[str], *, importtime: bool = False) -> tuple[float, str, str]:
    cmd = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", code, *args]
    start = time.perf_counter()
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    return time.perf_counter() - start, done.stdout, done.stderr


def _heavy(stderr: str) -> list[str]:
    names = {ln.rsplit("|", 1)[1].strip().split(".")[0]
             for ln in stderr.splitlines() if ln.startswith("import time:") and "|" in ln}
    return sorted(names & set(HEAVY))


def bench_startup(runs: int, console: Console) -> dict[str, float]:
    eager = "".join(f"import {m}; " for m in EAGER) + CLI
    table = Table(title=f"start-up, median of {runs} processes")
    for col in ("command", "lazy (now) s", "eager (before) s", "heavy imports now"):
        table.add_column(col, justify="left" if col in ("command", "heavy imports now")
                         else "right")
    out: dict[str, float] = {}
    for label, args in (("help", ["--help"]), ("pick_route_help", ["pick", "route", "--help"])):
        lazy_t, eager_t = [], []
        for _ in range(runs):  # alternate, so load from other work hits both alike
            lazy_t.append(_run(CLI, args)[0])
            eager_t.append(_run(eager, args)[0])
        heavy = _heavy(_run(CLI, args, importtime=True)[2])
        lazy, before = statistics.median(lazy_t), statistics.median(eager_t)
        table.add_row("doorstep " + " ".join(args), f"{lazy:.2f}", f"{before:.2f}",
                      ", ".join(heavy) or "none")
        out[f"{label}_s"], out[f"{label}_eager_s"] = round(lazy, 3), round(before, 3)
    console.print(table)
    return out


def bench_demo(orders: int, console: Console) -> dict[str, object]:
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in ("full", "pruned"):
            _, stdout, _ = _run(DEMO_CHILD, [mode, f"{tmp}/{mode}", str(orders)])
            results[mode] = json.loads(stdout.strip().splitlines()[-1])
    same = results["full"]["digest"] == results["pruned"]["digest"]
    table = Table(title=f"doorstep demo --orders {orders} --no-serve")
    for col in ("batching", "plan_batches s", "demo s", "plans"):
        table.add_column(col, justify="left" if col == "batching" else "right")
    for mode, label in (("full", "no pruning (before)"), ("pruned", "monotone + bound (now)")):
        r = results[mode]
        table.add_row(label, f"{r['batching_s']:.2f}", f"{r['total_s']:.1f}", str(r["plans"]))
    console.print(table)
    console.print(f"identical batch plans: {same}")
    return {
        "demo_orders": orders,
        "demo_batching_s": round(results["pruned"]["batching_s"], 3),
        "demo_batching_unpruned_s": round(results["full"]["batching_s"], 3),
        "demo_total_s": round(results["pruned"]["total_s"], 1),
        "demo_total_unpruned_s": round(results["full"]["total_s"], 1),
        "demo_plans_identical": same,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--orders", type=int, default=1500)
    parser.add_argument("--skip-demo", action="store_true")
    args = parser.parse_args()
    console = Console(width=120)
    figures: dict[str, object] = dict(bench_startup(args.runs, console))
    if not args.skip_demo:
        figures |= bench_demo(args.orders, console)
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
