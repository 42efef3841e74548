"""Delivery promises: the engine vs. the two rules shops use today, on one generated history.

Generates a realistic two-year history (weekly and yearly seasonality, a Black-Friday-like
surge that builds a warehouse backlog, lanes with different transit times, DHL delivering on
Saturdays, censored recent rows), then — in the same run — fits the engine, a fixed
"3–5 working days" rule and one global 95 % quantile on the orders before ``--split`` and
scores all three on every order after it (the surge included).  By default the second year
is scored rolling-origin: every method is refitted every ``--refit-every`` days on what was
known then, as a shop would run it; ``--refit-every 0`` fits once.  The peak quarter
(October–December) is reported as its own segment.  Finally it serves the
fitted model with a real uvicorn server on 127.0.0.1 and measures ``GET /v1/promise``.

The last line printed is one JSON object with the headline figures.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import uvicorn
from fastapi import FastAPI

from doorstep.adapters.promise_store import save_model
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.model import PromiseConfig, PromiseModel
from doorstep.domain.promise.synthetic import (
    DEST_COUNTRIES,
    LANE_MODELS,
    SyntheticConfig,
    black_friday,
    realistic_history,
)
from doorstep.entrypoints.api.routers.promise import router
from doorstep.services.promise_service import backtest, build_calendars
from doorstep.settings import Settings

TZ = ZoneInfo("Europe/Berlin")
METHODS = ("engine", "fixed_rule", "global_quantile")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def api_latency(model: PromiseModel, requests: int) -> dict[str, float]:
    """p50/p95/p99 of GET /v1/promise against a real uvicorn server (sequential client)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.json"
        save_model(path, model)
        app = FastAPI()
        app.include_router(router)
        app.state.container = SimpleNamespace(settings=Settings(promise_model_path=str(path)))
        port = _free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                               log_level="warning", access_log=False))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        try:
            while not server.started:
                time.sleep(0.05)
            rng = np.random.default_rng(0)
            combos = [("dhl", "paket"), ("dpd", "classic"), ("ups", "standard")]
            base = model.fitted_at
            timings = []
            with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
                for i in range(requests + 50):
                    carrier, service = combos[i % 3]
                    at = base + timedelta(minutes=int(rng.integers(0, 60 * 24 * 30)))
                    params = {"dest_country": "DE", "carrier": carrier, "service": service,
                              "dest_postcode": f"{rng.integers(1, 99):02d}000",
                              "items": 1 + i % 4, "at": at.isoformat()}
                    t0 = time.perf_counter()
                    response = client.get("/v1/promise", params=params)
                    elapsed = (time.perf_counter() - t0) * 1000
                    response.raise_for_status()
                    if i >= 50:  # the first requests load the model and warm up
                        timings.append(elapsed)
        finally:
            server.should_exit = True
            thread.join(timeout=10)
    t = np.array(timings)
    return {"p50": float(np.percentile(t, 50)), "p95": float(np.percentile(t, 95)),
            "p99": float(np.percentile(t, 99))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2024-01-01", help="first day of the history")
    parser.add_argument("--days", type=int, default=731, help="days of history")
    parser.add_argument("--orders-per-day", type=float, default=120.0)
    parser.add_argument("--split", default="2025-01-01", help="fit before, score from here")
    parser.add_argument("--refit-every", type=int, default=28,
                        help="days between refits while scoring (0: fit once at --split)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--season-days", type=int, default=PromiseConfig().season_days,
                        help="days after the same date last year the calibration also learns "
                        "from (0: recent weeks only)")
    parser.add_argument("--lanes", choices=LANE_MODELS, default="published",
                        help="carrier transit model of the generator (see its docstring)")
    parser.add_argument("--requests", type=int, default=1000, help="API requests to time")
    args = parser.parse_args(argv)

    start = date.fromisoformat(args.start)
    split = datetime.combine(date.fromisoformat(args.split), datetime.min.time(), TZ)
    cals = build_calendars(country="DE", subdiv="BY", first_year=start.year - 1,
                           last_year=start.year + args.days // 365 + 2,
                           dest_countries=DEST_COUNTRIES)
    t0 = time.perf_counter()
    rows = realistic_history(SyntheticConfig(start=start, days=args.days,
                                             orders_per_day=args.orders_per_day,
                                             seed=args.seed, lanes=args.lanes), cals)
    gen_s = time.perf_counter() - t0
    surges = {black_friday(y) for y in range(start.year, start.year + args.days // 365 + 1)}

    def surge(row: HistoryRow) -> tuple[str, ...]:
        day = row.ordered_at.astimezone(TZ).date()
        hit = any(bf - timedelta(days=1) <= day <= bf + timedelta(days=10) for bf in surges)
        return (("surge",) if hit else ()) + (("peak quarter",) if day.month >= 10 else ())

    t0 = time.perf_counter()
    refit = timedelta(days=args.refit_every) if args.refit_every > 0 else None
    result = backtest(rows, split, country="DE", subdiv="BY", extra_segments=surge,
                      refit_every=refit, config=PromiseConfig(season_days=args.season_days))
    bt_s = time.perf_counter() - t0
    censored = sum(1 for r in rows if r.delivered_at is None)
    last_day = start + timedelta(days=args.days - 1)
    print(f"history ({args.lanes} lanes): {len(rows)} orders {start} … {last_day}, "
          f"{censored} not delivered at export (censored); generated in {gen_s:.1f} s")
    print(f"split {split:%Y-%m-%d}: {result.train_rows} orders before, scored {result.test_rows} "
          f"orders with {result.refits} fit(s) (surge: orders placed Black Friday −1 … +10 "
          f"days; peak quarter: October–December); backtest {bt_s:.1f} s")
    header = (f"{'segment':<12} {'method':<16} {'orders':>7} {'on time':>8} {'promised d':>10} "
              f"{'early d':>8} {'late d':>7} {'coverage':>9} {'pinball':>8}")
    print(header)
    print("-" * len(header))
    for seg in ("all", "peak quarter", "surge", "load=normal", "load=under"):
        for method in METHODS:
            m = result.metrics[method].get(seg)
            if m is None:
                continue
            print(f"{seg:<12} {method:<16} {m.n:>7} {m.on_time_rate:>8.1%} "
                  f"{m.mean_promised_days:>10.2f} {m.mean_days_early:>8.2f} "
                  f"{m.mean_days_late:>7.2f} {m.interval_coverage:>9.1%} {m.pinball_loss:>8.3f}")
    latency = api_latency(result.fit.model, args.requests)
    print(f"GET /v1/promise over uvicorn on 127.0.0.1, {args.requests} sequential requests: "
          f"p50 {latency['p50']:.2f} ms, p95 {latency['p95']:.2f} ms, p99 {latency['p99']:.2f} ms")
    eng = result.metrics["engine"]["all"].mean_promised_days
    glob = result.metrics["global_quantile"]["all"].mean_promised_days
    figures: dict[str, object] = {}
    for method in METHODS:
        per = result.metrics[method]
        figures[method] = {
            "on_time_rate": round(per["all"].on_time_rate, 4),
            "mean_promised_days": round(per["all"].mean_promised_days, 3),
            "surge_on_time_rate": round(per["surge"].on_time_rate, 4) if "surge" in per else None,
            "peak_quarter": ({"on_time_rate": round(per["peak quarter"].on_time_rate, 4),
                              "mean_promised_days": round(per["peak quarter"].mean_promised_days,
                                                          3)}
                             if "peak quarter" in per else None),
            "interval_coverage": round(per["all"].interval_coverage, 4),
            "pinball_loss": round(per["all"].pinball_loss, 4),
        }
    figures["engine_promise_shorter_than_global_quantile"] = round(1 - eng / glob, 4)
    if "peak quarter" in result.metrics["engine"]:
        peak_eng = result.metrics["engine"]["peak quarter"].mean_promised_days
        peak_glob = result.metrics["global_quantile"]["peak quarter"].mean_promised_days
        figures["peak_quarter_shorter_than_global_quantile"] = round(1 - peak_eng / peak_glob, 4)
    figures["lanes"] = args.lanes
    figures["refits"] = result.refits
    figures["api_p95_ms"] = round(latency["p95"], 3)
    figures["orders_scored"] = result.test_rows
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
