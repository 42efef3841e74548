"""The cockpit under a big order book: p95 of the overview, the order search and the watchlist
against ``/healthz`` of the same server in the same run.

Fills a database with ``--orders`` orders, their lines, parcels, carrier scans and timeline
events (``doorstep.devtools.cockpit_data``: COPY on PostgreSQL, multi-row inserts on
SQLite), starts the real ``doorstep serve`` on it (no worker: nothing changes underneath),
warms each endpoint, then asks in rounds — each round in a shuffled order — for:

    /healthz                         the comparison: the same server doing nothing
    /v1/ops/overview                 the overview's figures
    /v1/orders?tracking=<random>     search by a parcel's tracking number
    /v1/orders?email=<random>        search by a customer's e-mail
    /v1/watchlist                    every open parcel classified

``ratio_to_healthz`` is healthz's p95 divided by the slowest of the three pages' p95 (1.0
would mean as fast as a bare endpoint).  By design the overview's weekly statistics (lane
transit, promise health: minutes) and the watchlist's classification (15 s) are served from
background-refreshed computations; the first request after start computes them in line and
is reported apart (``overview_cold_ms``, ``watchlist_cold_ms``) — the cost of a full
recomputation.

Usage::

    .venv/bin/python benchmarks/cockpit.py --db postgres --orders 1000000
    .venv/bin/python benchmarks/cockpit.py --orders 200000            # SQLite
    .venv/bin/python benchmarks/cockpit.py --orders 5000 --rounds 20  # a quick look
    .venv/bin/python benchmarks/cockpit.py --database-url URL         # a book loaded before

``--database-url`` measures a database filled before (by an earlier run's ``load`` — e.g.
``doorstep.devtools.cockpit_data.load`` in a shell — and migrated to head); the sample of
e-mails and tracking numbers is then read from it, and nothing is generated or dropped.

Targets on PostgreSQL with 1,000,000 orders: overview <= 150 ms, search <= 50 ms,
watchlist <= 250 ms (p95).  The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, text

from doorstep.bootstrap import make_engine
from doorstep.devtools.cockpit_data import load
from doorstep.devtools.cpu import cpu_of
from doorstep.devtools.databases import DEFAULT_PG_ADMIN_URL, bench_database
from doorstep.devtools.loadgen import percentile
from doorstep.devtools.server import ServerProcess, cli_command, upgrade_database


def api_key(database_url: str) -> dict[str, str]:
    """A bearer key when this build has API keys (issue 9); no header otherwise."""
    done = subprocess.run(cli_command("keys", "create", "--role", "admin", "--name", "bench",
                                      "--db", database_url),
                          capture_output=True, text=True, check=False, timeout=60)
    if done.returncode != 0:
        return {}
    key = done.stdout.strip().splitlines()[-1].strip()
    return {"Authorization": f"Bearer {key}"}


def settle(group: int, *, quiet_s: float = 0.02, limit_s: float = 60.0) -> None:
    """Wait until the server spends (almost) no CPU for a second: the overview's and the
    watchlist's background refreshes, started by earlier requests, have finished."""
    deadline = time.monotonic() + limit_s
    last = cpu_of(group=group)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = cpu_of(group=group)
        if now - last <= quiet_s:
            return
        last = now


def backend_cpu(database_url: str) -> dict[int, float]:
    """CPU seconds of each PostgreSQL backend serving ``database_url`` (the server's pool;
    parallel query workers come and go and are not counted).  Empty on SQLite."""
    if not database_url.startswith("postgres"):
        return {}
    engine = make_engine(database_url, pool_size=1)
    try:
        with engine.connect() as conn:
            pids = list(conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars())
    finally:
        engine.dispose()
    return {int(pid): cpu_of(pids=[int(pid)]) for pid in pids}


def sample_of(engine: Engine, seed: int) -> dict[str, Any]:
    """E-mails and tracking numbers to search for, read from a filled database."""
    with engine.connect() as conn:
        orders = int(conn.execute(text("SELECT count(*) FROM orders")).scalar() or 0)
        numbers = list(conn.execute(text("SELECT tracking_number FROM shipments"
                                         " ORDER BY id")).scalars())
        emails = [row[0]["email"] if isinstance(row[0], dict) else json.loads(row[0])["email"]
                  for row in conn.execute(text("SELECT customer FROM orders ORDER BY id"))]
    rng = random.Random(seed + 1)
    return {"orders": orders, "emails": rng.sample(emails, min(1000, len(emails))),
            "tracking_numbers": rng.sample(numbers, min(1000, len(numbers)))}


def measure(database_url: str, base: str, headers: dict[str, str], sample: dict[str, Any],
            rounds: int, seed: int, server_group: int | None = None) -> dict[str, Any]:
    rng = random.Random(seed)
    names = ("healthz", "overview", "search_tracking", "search_email", "watchlist")
    timings: dict[str, list[float]] = {n: [] for n in names}
    sizes: dict[str, int] = {}

    def url(name: str) -> str:
        if name == "healthz":
            return "/healthz"
        if name == "overview":
            return "/v1/ops/overview"
        if name == "watchlist":
            return "/v1/watchlist?limit=200"
        if name == "search_tracking":
            return f"/v1/orders?tracking={rng.choice(sample['tracking_numbers'])}"
        return f"/v1/orders?email={rng.choice(sample['emails'])}"

    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        cold: dict[str, float] = {}
        cold_cpu: dict[str, dict[str, float]] = {}
        for name in ("overview", "watchlist"):  # the first reader computes the caches
            server_before = cpu_of(group=server_group) if server_group else 0.0
            backends_before = backend_cpu(database_url)
            started = time.perf_counter()
            client.get(url(name)).raise_for_status()
            cold[name] = (time.perf_counter() - started) * 1000
            backends_after = backend_cpu(database_url)
            cold_cpu[name] = {
                "server_ms": ((cpu_of(group=server_group) - server_before) * 1000
                              if server_group else float("nan")),
                "database_ms": sum(cpu - backends_before.get(pid, 0.0)
                                   for pid, cpu in backends_after.items()) * 1000}
        for name in names:  # warm-up: connections, caches, query plans
            for _ in range(3):
                client.get(url(name)).raise_for_status()
        for _ in range(rounds):
            order = list(names)
            rng.shuffle(order)
            for name in order:
                target = url(name)
                t0 = time.perf_counter()
                response = client.get(target)
                elapsed = (time.perf_counter() - t0) * 1000
                response.raise_for_status()
                if name.startswith("search") and not response.json()["items"]:
                    raise SystemExit(f"{target} found nothing: the sample is wrong")
                timings[name].append(elapsed)
                sizes[name] = len(response.content)
        watch = client.get("/v1/watchlist?limit=1").json()
        # CPU seconds the server spends per request, endpoint by endpoint: on a shared
        # machine the wall-clock p95 moves with everything else running, this does not.
        cpu_ms: dict[str, float] = {}
        cpu_rounds = max(rounds, 100)  # CPU time is counted in 10 ms ticks
        if server_group is not None:
            for name in names:
                settle(server_group)  # a background refresh must not count as requests
                before = cpu_of(group=server_group)
                for _ in range(cpu_rounds):
                    client.get(url(name)).raise_for_status()
                cpu_ms[name] = (cpu_of(group=server_group) - before) / cpu_rounds * 1000
    p95 = {n: percentile(v, 95) for n, v in timings.items()}
    p50 = {n: percentile(v, 50) for n, v in timings.items()}
    return {"p95": p95, "p50": p50, "cold_ms": cold, "cold_cpu": cold_cpu, "sizes": sizes,
            "cpu_ms": cpu_ms,
            "watchlist_total": watch["total"], "watchlist_counts": watch["counts"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--orders", type=int, default=None,
                        help="orders to generate (default: 1,000,000 on postgres, "
                             "200,000 on sqlite)")
    parser.add_argument("--rounds", type=int, default=60, help="requests per endpoint")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default=None,
                        help="measure this already filled database instead of generating one")
    args = parser.parse_args()
    count = args.orders or (1_000_000 if args.db == "postgres" else 200_000)
    console = Console(stderr=True)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="cockpit-")))
        if args.database_url:
            url = args.database_url
            engine = make_engine(url)
            sample = sample_of(engine, args.seed)
            count, load_s = sample["orders"], 0.0
            engine.dispose()
        else:
            url = bench_database(stack, args.db, folder, admin_url=args.pg_admin_url,
                                 prefix="doorstep_cockpit", sqlite_name="cockpit.db")
            upgrade_database(url)
            engine = make_engine(url)
            t0 = time.perf_counter()
            sample = load(engine, count, seed=args.seed)
            load_s = time.perf_counter() - t0
            engine.dispose()
            console.print(f"loaded {count:,} orders ({sample['rows']:,} rows) into {args.db} "
                          f"in {load_s:.0f} s")
        headers = api_key(url)
        env = {"DOORSTEP_PROMISE_MODEL_PATH": str(folder / "no-model.json")}
        with ServerProcess(url, embedded_worker=False, log_dir=folder, env=env) as server:
            result = measure(url, server.base_url, headers, sample, args.rounds, args.seed,
                             server_group=server.pid)
    db = "postgres" if url.startswith("postgres") else "sqlite"
    p95 = result["p95"]
    search = max(p95["search_tracking"], p95["search_email"])
    worst = max(p95["overview"], search, p95["watchlist"])
    table = Table("endpoint", "p50 ms", "p95 ms", "server CPU ms/request", "bytes",
                  title=f"cockpit, {count:,} orders on {db}, {args.rounds} rounds")
    for name in p95:
        table.add_row(name, f"{result['p50'][name]:.1f}", f"{p95[name]:.1f}",
                      f"{result['cpu_ms'].get(name, float('nan')):.2f}",
                      str(result["sizes"].get(name, "")))
    console.print(table)
    console.print(f"cold CPU: {result['cold_cpu']}")
    console.print(f"watchlist: {result['watchlist_total']} rows {result['watchlist_counts']}; "
                  f"first overview {result['cold_ms']['overview']:.0f} ms, first watchlist "
                  f"{result['cold_ms']['watchlist']:.0f} ms (cold caches)")
    print(json.dumps({
        "orders": count, "db": db, "rounds": args.rounds,
        "overview_p95_ms": round(p95["overview"], 1), "search_p95_ms": round(search, 1),
        "search_tracking_p95_ms": round(p95["search_tracking"], 1),
        "search_email_p95_ms": round(p95["search_email"], 1),
        "watchlist_p95_ms": round(p95["watchlist"], 1),
        "healthz_p95_ms": round(p95["healthz"], 2),
        "ratio_to_healthz": round(p95["healthz"] / worst, 4) if worst else None,
        "overview_cold_ms": round(result["cold_ms"]["overview"], 1),
        "watchlist_cold_ms": round(result["cold_ms"]["watchlist"], 1),
        "watchlist_rows": result["watchlist_total"], "load_s": round(load_s, 1),
        "server_cpu_ms": {n: round(v, 2) for n, v in result["cpu_ms"].items()},
        "cold_cpu_ms": {n: {k: round(v, 0) for k, v in c.items()}
                        for n, c in result["cold_cpu"].items()},
        "loadavg": [round(x, 2) for x in os.getloadavg()]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
