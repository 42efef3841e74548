"""Intake throughput: durable ``POST /v1/orders`` against a bare endpoint of the same server.

Starts the real server (``doorstep serve`` in its own process; SQLite in a temporary folder,
or a fresh PostgreSQL database with ``--db postgres``), then, over ``--connections`` (default
32) keep-alive connections from this process:

1. sends N bodies to ``POST /v1/_bare/orders`` (same validation, stores nothing),
2. sends N different orders with unique ``Idempotency-Key``s to ``POST /v1/orders``,

so ``ratio = orders_per_s / bare_per_s`` says how much of the HTTP + validation ceiling the
durable, idempotent write keeps.  With ``--rounds R`` both are sent in R alternating slices
(bare, orders, orders, bare, …) and the slices summed, so a neighbour's burst on a shared
machine falls on both endpoints alike instead of on whichever ran at that moment.
``--processes N`` runs ``serve --workers N``: N API processes behind one port (each with its
own ``SO_REUSEPORT`` socket, so the kernel spreads the connections), each with its own group
commit, on the one database; measuring starts once every process listens.  Every request
of both carries the same ``integration`` key for channel ``bench`` (``Authorization: Bearer
…``), and both endpoints check it the same way, so the ratio compares like with like and
includes authentication.
Afterwards it stops the server and reads the database:
every order acknowledged with 201 must be there exactly once (``lost``, ``duplicated``).

The embedded outbox worker is off by default so the figure is intake alone (allocation runs
after the 201, asynchronously); ``--embedded-worker`` measures intake while it allocates.

Usage::

    .venv/bin/python benchmarks/intake.py                 # SQLite
    .venv/bin/python benchmarks/intake.py --db postgres   # PostgreSQL on 127.0.0.1:5432
    .venv/bin/python benchmarks/intake.py --db postgres --processes 2

The last line of output is one JSON object: orders_per_s, bare_per_s, ratio, p50_ms, p99_ms,
acknowledged, lost, duplicated, processes, sqlite_synchronous (the SQLite durability level
the server ran with; ``--sqlite-synchronous NORMAL`` measures the weaker, pre-issue-9 one),
and cpu_ms_per_order / cpu_ms_per_bare: CPU milliseconds per request spent by the server
processes, the database's sessions (PostgreSQL; SQLite runs inside the server) and the load
generator — figures a neighbour's load does not move as much as the rates — and
``"auth": true``; ``connections``; ``server_cores`` (server CPU seconds per wall second while
orders were sent: how much of the machine the API processes got — 1.0 is one core);
``cpu_ms_per_order_by_process`` (the server's share per API process, to see whether both
processes worked); ``load_avg`` (the machine's 1-minute load average before and after).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import select, text

from doorstep.adapters.db.tables import orders
from doorstep.bootstrap import make_engine
from doorstep.devtools.cpu import cpu_of, group_members
from doorstep.devtools.credentials import issue_key
from doorstep.devtools.databases import DEFAULT_PG_ADMIN_URL, bench_database
from doorstep.devtools.loadgen import LoadResult, encode_post, percentile, run_load
from doorstep.devtools.payloads import order_body
from doorstep.devtools.server import ServerProcess, upgrade_database
from doorstep.domain.access import Role

CHANNEL = "bench"
SKUS = ("BENCH-001", "BENCH-002", "BENCH-003", "BENCH-004", "BENCH-005")


def build_requests(port: int, path: str, prefix: str, count: int, api_key: str
                   ) -> list[bytes]:
    """``count`` distinct order requests (key and external id unique), 1–3 lines each."""
    out = []
    for i in range(count):
        lines = [(SKUS[(i + j) % len(SKUS)], 1 + (i + j) % 3) for j in range(1 + i % 3)]
        body = json.dumps(order_body(f"{prefix}-{i:06d}", lines, channel=CHANNEL)).encode()
        out.append(encode_post("127.0.0.1", port, path, body,
                               {"Idempotency-Key": f"{prefix}-key-{i:06d}",
                                "Authorization": f"Bearer {api_key}"}))
    return out


def acknowledged(result: LoadResult) -> dict[str, str]:
    """external_id → order id for every 201 response."""
    acks: dict[str, str] = {}
    for status, body in zip(result.statuses, result.bodies, strict=True):
        if status == 201:
            data = json.loads(body)
            acks[str(data["external_id"])] = str(data["id"])
    return acks


def verify(database_url: str, acks: dict[str, str]) -> tuple[int, int]:
    """(lost, duplicated): acknowledged orders missing, and extra rows for one order."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(select(orders.c.id, orders.c.external_id)
                                .where(orders.c.channel == CHANNEL)).all()
    finally:
        engine.dispose()
    per_external = Counter(r.external_id for r in rows)
    stored = {r.external_id: r.id for r in rows}
    lost = sum(1 for ext, oid in acks.items() if stored.get(ext) != oid)
    duplicated = sum(n - 1 for n in per_external.values() if n > 1)
    duplicated += len(set(stored) - set(acks))  # stored although never acknowledged
    return lost, duplicated


def postgres_backends(url: str) -> list[int]:
    """Process ids of the PostgreSQL sessions on the benchmark's database (the server's)."""
    engine = make_engine(url, pool_size=1)
    try:
        with engine.connect() as conn:
            return [int(p) for p in conn.execute(text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalars()]
    finally:
        engine.dispose()


def api_processes(supervisor: int, count: int) -> list[int]:
    """The processes that serve requests: ``serve`` itself, or the ones its supervisor
    spawned (multiprocessing's resource tracker, also in the group, serves nothing)."""
    if count == 1:
        return [supervisor]
    found = []
    for pid in group_members(supervisor):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except FileNotFoundError:
            continue
        if b"spawn_main" in command:
            found.append(pid)
    return found


def combine(parts: list[LoadResult]) -> LoadResult:
    """Slices of one load as if sent in one go: requests in order, elapsed times summed."""
    return LoadResult([s for p in parts for s in p.statuses], [b for p in parts for b in p.bodies],
                      [t for p in parts for t in p.latencies_s],
                      sum(p.elapsed_s for p in parts), [e for p in parts for e in p.errors])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL,
                        help="PostgreSQL server to create the throw-away database on")
    parser.add_argument("--orders", type=int, default=20_000,
                        help="orders (and bare requests) to send (default 20000)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=500,
                        help="requests per endpoint before measuring")
    parser.add_argument("--embedded-worker", action="store_true",
                        help="run the outbox worker inside the server while measuring")
    parser.add_argument("--processes", type=int, default=1,
                        help="API processes behind the one port (serve --workers N)")
    parser.add_argument("--rounds", type=int, default=4,
                        help="alternating slices per endpoint (default 4; 1 = one block each)")
    parser.add_argument("--server-src", default="",
                        help="run the server from this src/ folder (e.g. an earlier commit's, "
                             "from `git archive COMMIT src | tar -x -C DIR`) for before/after")
    parser.add_argument("--ready-timeout", type=float, default=600.0,
                        help="seconds to wait for every API process to listen (a busy machine "
                             "takes long to start several)")
    parser.add_argument("--no-access-log", action="store_true",
                        help="serve without the JSON access log (on by default) to see its cost")
    parser.add_argument("--sqlite-synchronous", default="FULL",
                        choices=("OFF", "NORMAL", "FULL", "EXTRA"),
                        help="SQLite's PRAGMA synchronous for the server (default FULL)")
    args = parser.parse_args(argv)
    console = Console(width=100)
    run = uuid.uuid4().hex[:6]
    if args.server_src:  # every doorstep subprocess (db upgrade, serve) runs that code
        os.environ["PYTHONPATH"] = str(Path(args.server_src).resolve())
    load_before = os.getloadavg()[0]

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="doorstep-bench-")))
        url = bench_database(stack, args.db, folder, admin_url=args.pg_admin_url,
                             prefix="doorstep_bench")
        upgrade_database(url)
        engine = make_engine(url)
        api_key = issue_key(engine, Role.INTEGRATION, name="bench-shop", channel=CHANNEL)
        engine.dispose()
        server = ServerProcess(url, bench_endpoints=True, log_dir=folder,
                               embedded_worker=args.embedded_worker, processes=args.processes,
                               ready_timeout=args.ready_timeout,
                               env={"DOORSTEP_SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
                                    "DOORSTEP_ACCESS_LOG": "0" if args.no_access_log else "1"})
        server.start()
        try:
            port = server.port
            console.print(f"server pid {server.pid} ({args.processes} API processes) on port "
                          f"{port}, database {args.db}; {args.orders} requests per endpoint in "
                          f"{args.rounds} rounds, {args.connections} connections")
            run_load("127.0.0.1", port,
                     build_requests(port, "/v1/_bare/orders", f"w{run}b", args.warmup,
                                    api_key),
                     connections=args.connections)
            warm = run_load("127.0.0.1", port,
                            build_requests(port, "/v1/orders", f"w{run}o", args.warmup,
                                           api_key),
                            connections=args.connections)
            bare_reqs = build_requests(port, "/v1/_bare/orders", f"b{run}", args.orders,
                                       api_key)
            order_reqs = build_requests(port, "/v1/orders", f"o{run}", args.orders, api_key)
            bare_parts: list[LoadResult] = []
            placed_parts: list[LoadResult] = []
            cpu = {"bare": [0.0, 0.0, 0.0], "orders": [0.0, 0.0, 0.0]}  # server, db, client
            api_pids = api_processes(server.pid, args.processes)
            by_process = dict.fromkeys(api_pids, 0.0)  # CPU seconds per API process, orders
            backends = postgres_backends(url) if args.db == "postgres" else []
            for r in range(args.rounds):
                part = slice(r * args.orders // args.rounds, (r + 1) * args.orders // args.rounds)
                runs = [("bare", bare_parts, bare_reqs[part]),
                        ("orders", placed_parts, order_reqs[part])]
                for name, parts, reqs in (runs if r % 2 == 0 else runs[::-1]):
                    backends = backends and postgres_backends(url)
                    before = (cpu_of(group=server.pid), cpu_of(pids=backends),
                              time.process_time())
                    each = {p: cpu_of(pids=[p]) for p in by_process}
                    parts.append(run_load("127.0.0.1", port, reqs,
                                          connections=args.connections))
                    after = (cpu_of(group=server.pid), cpu_of(pids=backends),
                             time.process_time())
                    for n in range(3):
                        cpu[name][n] += after[n] - before[n]
                    if name == "orders":
                        for p in by_process:
                            by_process[p] += cpu_of(pids=[p]) - each[p]
            bare, placed = combine(bare_parts), combine(placed_parts)
        finally:
            server.stop()
        acks = acknowledged(warm) | acknowledged(placed)
        lost, duplicated = verify(url, acks)

    report: dict[str, Any] = {
        "orders_per_s": round(placed.per_second, 1),
        "bare_per_s": round(bare.per_second, 1),
        "ratio": round(placed.per_second / bare.per_second, 3) if bare.per_second else 0.0,
        "p50_ms": round(percentile(placed.latencies_s, 50) * 1000, 2),
        "p99_ms": round(percentile(placed.latencies_s, 99) * 1000, 2),
        "acknowledged": len(acks),
        "lost": lost,
        "duplicated": duplicated,
        "processes": args.processes,
        "sqlite_synchronous": args.sqlite_synchronous,
        # CPU ms per request of the server processes, the database's backends, this client
        "cpu_ms_per_order": [round(v / len(placed.statuses) * 1000, 3) for v in cpu["orders"]],
        "cpu_ms_per_bare": [round(v / len(bare.statuses) * 1000, 3) for v in cpu["bare"]],
        "auth": True,
        "access_log": not args.no_access_log,
        "connections": args.connections,
        "server_cores": round(cpu["orders"][0] / placed.elapsed_s, 2) if placed.elapsed_s else 0.0,
        "cpu_ms_per_order_by_process": sorted(
            (round(v / len(placed.statuses) * 1000, 3) for v in by_process.values()),
            reverse=True),
        "load_avg": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }
    table = Table(title=f"intake benchmark — {args.db}, {args.processes} process(es), "
                        f"{platform.python_version()}, {args.connections} connections")
    for col in ("endpoint", "requests", "201", "other", "req/s", "p50 ms", "p99 ms"):
        table.add_column(col, justify="right" if col != "endpoint" else "left")
    for name, res in (("POST /v1/_bare/orders", bare), ("POST /v1/orders", placed)):
        table.add_row(name, str(len(res.statuses)), str(res.count(201)),
                      str(len(res.statuses) - res.count(201)), f"{res.per_second:,.0f}",
                      f"{percentile(res.latencies_s, 50) * 1000:.1f}",
                      f"{percentile(res.latencies_s, 99) * 1000:.1f}")
    console.print(table)
    console.print(f"ratio {report['ratio']}; acknowledged {len(acks)} (incl. warm-up), "
                  f"lost {lost}, duplicated {duplicated}")
    for name, key in (("orders", "cpu_ms_per_order"), ("bare", "cpu_ms_per_bare")):
        server_ms, db_ms, client_ms = report[key]
        console.print(f"CPU per {name} request: server {server_ms} ms, database sessions "
                      f"{db_ms} ms, load generator {client_ms} ms")
    for res in (warm, bare, placed):
        for line in res.errors[:3]:
            console.print(f"[yellow]{line}[/]")
    print(json.dumps(report))
    return 0 if lost == 0 and duplicated == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
