"""The customer's tracking page under load, against ``/healthz`` of the same server.

Fills a fresh database with N orders (default 100,000) and their timelines — received,
picking, packed, handed over, a promise (a third of them revised later), two to four carrier
scans with the carrier's own text, one parcel each and a tracking token — with multi-row
inserts, then starts the real server (``doorstep serve`` in its own process, no worker) and,
over 32 keep-alive connections from this process, requests:

1. ``GET /healthz`` (the same server's floor: routing, no database, no template),
2. ``GET /track/{token}`` for tokens drawn at random from all N orders,

R requests each, in 5 alternating rounds (healthz, pages, healthz, pages, …): on a shared
machine the load changes by the minute, and a ratio taken within one round compares like
with like.  ``pages_per_s`` and ``ratio_to_healthz`` are the medians over the rounds;
p50/p95 are over all page requests.  Every page must answer 200 with its order's number.

Usage::

    .venv/bin/python benchmarks/tracking_page.py                       # 100,000 orders, SQLite
    .venv/bin/python benchmarks/tracking_page.py --orders 20000 --requests 5000
    .venv/bin/python benchmarks/tracking_page.py --db postgres
    .venv/bin/python benchmarks/tracking_page.py --keep-db /tmp/track.db   # fill once, reuse
    .venv/bin/python benchmarks/tracking_page.py --keep-db /tmp/track.db --processes 2

``--keep-db`` keeps the filled SQLite file and measures against it again on the next run
(filling 100,000 orders takes minutes on a busy machine; before/after comparisons of the
server's code then measure the same rows).  ``--processes N`` starts ``serve --workers N``
(N API processes on the port, SO_REUSEPORT), as a merchant would on N cores; the load
generator shares the machine's cores with them, and CPU is counted over all of them.

The last line of output is one JSON object: p50_ms, p95_ms, pages_per_s, ratio_to_healthz,
page_bytes (the largest page served), orders, healthz_per_s, round_ratios, db, and
cpu_ms_per_page / cpu_ms_per_healthz ([server, load generator] CPU milliseconds per request,
from /proc) with ratio_by_cpu — the ratio an otherwise idle machine would show, which a
neighbour's load does not move.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, insert, select

from doorstep.adapters.db.notify_tables import tracking_links
from doorstep.adapters.db.tables import order_events, order_lines, orders, shipments
from doorstep.bootstrap import make_engine
from doorstep.devtools.cpu import cpu_of
from doorstep.devtools.databases import bench_database
from doorstep.devtools.loadgen import LoadResult, percentile, run_load
from doorstep.devtools.server import ServerProcess, upgrade_database

CHUNK = 2_000
ROUNDS = 5
SCANS = [("in_transit", "PARCEL_CENTER", "Die Sendung wurde im Start-Paketzentrum bearbeitet.",
          "Leipzig"),
         ("in_transit", "ARRIVED", "Die Sendung ist im Ziel-Paketzentrum eingetroffen.",
          "Berlin"),
         ("out_for_delivery", "OUT_FOR_DELIVERY",
          "Die Sendung wurde in das Zustellfahrzeug geladen.", "Berlin"),
         ("delivered", "DELIVERED", "Die Sendung wurde erfolgreich zugestellt.", "Berlin")]


def encode_get(port: int, path: str) -> bytes:
    return (f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Accept-Language: de-DE,de;q=0.9\r\n\r\n").encode("latin-1")


def _window(day: datetime, start: int, end: int) -> dict[str, Any]:
    first, last = (day + timedelta(days=start)).date(), (day + timedelta(days=end)).date()
    return {"promised_date": last.isoformat(), "earliest_date": first.isoformat(),
            "latest_date": last.isoformat(), "level": 0.9}


def _order_rows(i: int, now: datetime, rng: random.Random) -> dict[str, list[dict[str, Any]]]:
    order_id = f"ord_bench{i:08d}"
    placed = now - timedelta(days=rng.randint(1, 20), minutes=rng.randint(0, 1440))
    number = f"{100000 + i}"
    parcel = f"00340434{i:012d}"
    scans = SCANS[:rng.randint(1, 4)]
    status = "delivered" if scans[-1][0] == "delivered" else "shipped"
    rows: dict[str, list[dict[str, Any]]] = {"orders": [{
        "id": order_id, "external_id": number, "channel": "bench", "status": status,
        "warehouse": "BER", "currency": "EUR", "shipping_price": 4.9, "priority": 0,
        "carrier_service": "dhl:paket",
        "customer": {"name": f"Kundin {i}", "email": f"kundin{i}@example.org"},
        "shipping_address": {"name": f"Kundin {i}", "line1": "Hauptstr. 1", "postcode": "10115",
                             "city": "Berlin", "country": "DE"},
        "placed_at": placed, "accepted_at": placed, "updated_at": placed,
        "content_hash": "0" * 64}]}
    rows["order_lines"] = [
        {"order_id": order_id, "line_no": n, "sku": sku, "name": name, "quantity": q,
         "unit_price": 19.9, "allocated": 0, "picked": q, "shipped": q}
        for n, (sku, name, q) in enumerate((("SHIRT", "Organic cotton T-shirt", 2),
                                            ("MUG", "Stoneware mug", 1)), start=1)]
    shipped_at = placed + timedelta(hours=20)
    rows["shipments"] = [{"order_id": order_id, "carrier": "dhl", "tracking_number": parcel,
                          "shipped_at": shipped_at, "units": {"1": 2, "2": 1}}]
    rows["tracking_links"] = [{"token": secrets.token_urlsafe(32), "order_id": order_id,
                               "created_at": placed}]
    events = [("received", placed, "channel:bench", {}),
              ("promise", placed, "promise-engine", {"revision": 0, "cause": "accepted",
                                                     "under_load": False,
                                                     **_window(placed, 2, 3)}),
              ("picking", placed + timedelta(hours=18), "warehouse", {}),
              ("packed", placed + timedelta(hours=19), "warehouse", {"carton": "S"}),
              ("shipped", shipped_at, "warehouse",
               {"carrier": "dhl", "tracking_number": parcel, "units": {"1": 2, "2": 1}})]
    for k, (code, raw, text, city) in enumerate(scans):
        at = shipped_at + timedelta(hours=6 + 10 * k)
        events.append((f"tracking.{code}", at, "carrier:dhl", {
            "tracking_number": parcel, "raw_code": raw, "raw_text": text, "source": "dhl",
            "exception_reason": None, "location": {"city": city, "country": "DE"}}))
    if i % 3 == 0:
        events.append(("promise.revised", shipped_at + timedelta(hours=7), "promise-engine",
                       {"revision": 1, "cause": "handover", "final": False,
                        **_window(placed, 3, 5)}))
    rows["order_events"] = [{"order_id": order_id, "at": at, "type": t, "actor": actor,
                             "data": data} for t, at, actor, data in events]
    return rows


def fill(engine: Engine, count: int, seed: int = 2026) -> list[tuple[str, str]]:
    """Insert ``count`` orders with timelines; returns (token, order number) pairs."""
    rng = random.Random(seed)
    now = datetime.now(UTC)
    tables = {"orders": orders, "order_lines": order_lines, "shipments": shipments,
              "tracking_links": tracking_links, "order_events": order_events}
    pairs: list[tuple[str, str]] = []
    for start in range(0, count, CHUNK):
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
        for i in range(start, min(count, start + CHUNK)):
            rows = _order_rows(i, now, rng)
            for name, values in rows.items():
                batch[name].extend(values)
            pairs.append((rows["tracking_links"][0]["token"], rows["orders"][0]["external_id"]))
        with engine.begin() as conn:
            for name, table in tables.items():
                conn.execute(insert(table), batch[name])
    return pairs


def stored_pairs(engine: Engine) -> list[tuple[str, str]]:
    """The (token, order number) pairs of a database ``fill`` made, in the order it made them."""
    with engine.connect() as conn:
        rows = conn.execute(select(tracking_links.c.token, orders.c.external_id)
                            .join(orders, orders.c.id == tracking_links.c.order_id)
                            .order_by(orders.c.id)).all()
    return [(str(token), str(number)) for token, number in rows]


def measure(port: int, paths: list[str], connections: int) -> LoadResult:
    return run_load("127.0.0.1", port, [encode_get(port, p) for p in paths],
                    connections=connections)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep-db", type=Path, default=None, metavar="FILE",
                        help="SQLite file to fill once and reuse on later runs")
    parser.add_argument("--processes", type=int, default=1,
                        help="API processes (serve --workers N)")
    args = parser.parse_args(argv)
    console = Console(stderr=True)
    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="track-bench-")))
        reuse = args.db == "sqlite" and args.keep_db is not None and args.keep_db.exists()
        if args.db == "sqlite" and args.keep_db is not None:
            url = f"sqlite:///{args.keep_db.resolve()}"
        else:
            url = bench_database(stack, args.db, folder)
        if not reuse:
            upgrade_database(url)
        engine = make_engine(url)
        began = time.perf_counter()
        pairs = stored_pairs(engine) if reuse else fill(engine, args.orders, args.seed)
        engine.dispose()
        if len(pairs) != args.orders:
            console.print(f"[red]{args.keep_db} holds {len(pairs):,} orders, not "
                          f"{args.orders:,}[/red]")
            return 2
        console.print(f"{args.orders:,} orders with timelines "
                      f"{'reused' if reuse else 'filled'} in "
                      f"{time.perf_counter() - began:.0f} s")
        server = stack.enter_context(ServerProcess(
            url, embedded_worker=False, log_dir=folder, processes=args.processes,
            env={"DOORSTEP_PROMISE_MODEL_PATH": "", "DOORSTEP_LOG_LEVEL": "warning"}))
        rng = random.Random(args.seed + 1)
        chosen = [rng.choice(pairs) for _ in range(args.requests)]
        measure(server.port, ["/healthz"] * 500 + [f"/track/{t}" for t, _ in chosen[:500]],
                args.connections)  # warm-up: imports, caches, connection pool
        per_round = args.requests // ROUNDS
        healths: list[LoadResult] = []
        rounds: list[LoadResult] = []
        cpu = {"healthz": [0.0, 0.0], "pages": [0.0, 0.0]}  # server, load generator
        for r in range(ROUNDS):
            part = chosen[r * per_round:(r + 1) * per_round]
            for name, paths, into in (
                    ("healthz", ["/healthz"] * per_round, healths),
                    ("pages", [f"/track/{t}" for t, _ in part], rounds)):
                before = (cpu_of(group=server.pid), cpu_of(pids=[os.getpid()]))
                into.append(measure(server.port, paths, args.connections))
                after = (cpu_of(group=server.pid), cpu_of(pids=[os.getpid()]))
                for n in (0, 1):
                    cpu[name][n] += after[n] - before[n]
    wrong = [i for i, (status, body) in enumerate(
        (s, b) for res in rounds for s, b in zip(res.statuses, res.bodies, strict=True))
        if status != 200 or f"Bestellung {chosen[i][1]}".encode() not in body]
    failed_health = sum(per_round - h.count(200) for h in healths)
    if wrong or failed_health:
        console.print(f"[red]{len(wrong)} pages wrong, {failed_health} health checks "
                      f"failed[/red]; first errors: {[e for x in rounds for e in x.errors][:3]}")
        return 1
    latencies = [x for res in rounds for x in res.latencies_s]
    p50 = percentile(latencies, 50) * 1000
    p95 = percentile(latencies, 95) * 1000
    ratios = [p.per_second / h.per_second for p, h in zip(rounds, healths, strict=True)]
    pages_per_s = statistics.median(p.per_second for p in rounds)
    health_per_s = statistics.median(h.per_second for h in healths)
    result = {"p50_ms": round(p50, 1), "p95_ms": round(p95, 1),
              "pages_per_s": round(pages_per_s, 1),
              "ratio_to_healthz": round(statistics.median(ratios), 3),
              "page_bytes": max(len(b) for res in rounds for b in res.bodies),
              "orders": args.orders, "healthz_per_s": round(health_per_s, 1),
              "round_ratios": [round(x, 3) for x in ratios], "db": args.db,
              "processes": args.processes, "load_average": [round(x, 2) for x in os.getloadavg()],
              "cpu_ms_per_page": [round(v / (per_round * ROUNDS) * 1000, 3)
                                  for v in cpu["pages"]],
              "cpu_ms_per_healthz": [round(v / (per_round * ROUNDS) * 1000, 3)
                                     for v in cpu["healthz"]]}
    # What an otherwise idle machine would show: requests per CPU-second of server + client
    result["ratio_by_cpu"] = round(sum(result["cpu_ms_per_healthz"])  # type: ignore[arg-type]
                                   / sum(result["cpu_ms_per_page"]), 3)  # type: ignore[arg-type]
    table = Table(title=f"tracking page, {args.orders:,} orders, {args.connections} connections")
    for column in ("endpoint", "req/s", "p50 ms", "p95 ms"):
        table.add_column(column, justify="right" if column != "endpoint" else "left")
    health_latencies = [x for h in healths for x in h.latencies_s]
    table.add_row("/healthz", f"{health_per_s:,.0f}",
                  f"{percentile(health_latencies, 50) * 1000:.1f}",
                  f"{percentile(health_latencies, 95) * 1000:.1f}")
    table.add_row("/track/{token}", f"{pages_per_s:,.0f}", f"{p50:.1f}", f"{p95:.1f}")
    console.print(table)
    console.print(f"CPU ms per request (server, load generator): pages "
                  f"{result['cpu_ms_per_page']}, /healthz {result['cpu_ms_per_healthz']}; "
                  f"ratio by CPU {result['ratio_by_cpu']}")
    console.print(f"targets: p95 ≤ 30 ms, page_bytes ≤ 60,000, ratio ≥ 0.3 — "
                  f"page {result['page_bytes']:,} bytes, ratio {result['ratio_to_healthz']}")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
