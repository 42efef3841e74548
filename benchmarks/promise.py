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

``--scenario shock`` instead replays a history in which DHL slows by ``--shock-days`` carrier
days for three weeks and then recovers (``SyntheticConfig(shock=Shock(...))``), promising
every order in time order twice — the plain engine refitted every ``--refit-every`` days,
and the same with the online correction (``domain.promise.online``: the live transit shift
from parcels delivered and in flight, ``domain.promise.live``, and the adaptive level) —
and reports the on-time share of the shocked carrier's orders in the shock's first week and
in weeks 2–3, and how far its promises two weeks after the recovery exceed the pre-shock
ones.  ``shock_first_week_ceiling`` bounds what any method could reach in the first week
when it cannot know of the shock before its first day is over: that day's orders as they
fared, every later first-week order counted as kept.

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
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import uvicorn
from fastapi import FastAPI

from doorstep.adapters.promise_store import save_model
from doorstep.devtools.credentials import bearer, install_memory_identities
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.model import PromiseConfig, PromiseModel
from doorstep.domain.promise.online import AciConfig, ReplayedPromise, replay
from doorstep.domain.promise.synthetic import (
    DEST_COUNTRIES,
    LANE_MODELS,
    Shock,
    SyntheticConfig,
    black_friday,
    realistic_history,
)
from doorstep.entrypoints.api.access import Role
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
        tokens = install_memory_identities(app)  # the route needs a caller (viewer suffices)
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
            with httpx.Client(base_url=f"http://127.0.0.1:{port}",
                              headers=bearer(tokens[Role.VIEWER])) as client:
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


def shock_figures(replayed: Sequence[ReplayedPromise], shock: Shock) -> dict[str, float]:
    """The issue's three figures over the shocked carriers' orders (by order day).

    First week: orders placed on the shock's first seven days; later: days 8–21;
    recovery excess: mean promised days of orders placed 14–20 days after the shock ended
    over the mean of the 28 days before it began, minus 1.
    """
    mine = [p for p in replayed if not shock.carriers or p.row.carrier in shock.carriers]

    def on_time(first: date, last: date) -> float:
        known = [p.kept for p in mine if first <= p.order_day < last and p.kept is not None]
        return float(np.mean(known)) if known else float("nan")

    def promised(first: date, last: date) -> float:
        days = [p.promised_days for p in mine if first <= p.order_day < last]
        return float(np.mean(days)) if days else float("nan")

    start, end = shock.start, shock.end
    first_week = [p.kept for p in mine
                  if start <= p.order_day < start + timedelta(days=7) and p.kept is not None]
    first_day_kept = sum(1 for p in mine if p.order_day == start and p.kept)
    first_day = sum(1 for p in mine if p.order_day == start and p.kept is not None)
    ceiling = (first_day_kept + len(first_week) - first_day) / max(len(first_week), 1)
    before = promised(start - timedelta(days=28), start)
    after = promised(end + timedelta(days=14), end + timedelta(days=21))
    return {
        "shock_first_week_on_time": round(on_time(start, start + timedelta(days=7)), 4),
        "shock_later_on_time": round(on_time(start + timedelta(days=7), end), 4),
        "recovery_promise_excess": round(after / before - 1.0, 4),
        "recovery_first_two_weeks_excess": round(promised(end, end + timedelta(days=14))
                                                 / before - 1.0, 4),
        "shock_first_week_ceiling": round(ceiling, 4),
        "shock_first_week_promised_days": round(promised(start, start + timedelta(days=7)), 3),
        "shock_later_promised_days": round(promised(start + timedelta(days=7), end), 3),
        "pre_shock_on_time": round(on_time(start - timedelta(days=28), start), 4),
        "pre_shock_promised_days": round(before, 3),
    }


def run_shock(args: argparse.Namespace) -> int:
    """Replay a shock twice (without and with the online correction) and print both."""
    start = date.fromisoformat(args.start)
    shock = Shock(start=date.fromisoformat(args.shock_start), days=21,
                  transit_days=args.shock_days, carriers=("dhl",))
    cals = build_calendars(country="DE", subdiv="BY", first_year=start.year - 1,
                           last_year=start.year + args.days // 365 + 2,
                           dest_countries=DEST_COUNTRIES)
    rows = realistic_history(SyntheticConfig(start=start, days=args.days,
                                             orders_per_day=args.orders_per_day,
                                             seed=args.seed, lanes=args.lanes, shock=shock), cals)
    split = datetime.combine(date.fromisoformat(args.split), datetime.min.time(), TZ)
    cfg = PromiseConfig(season_days=args.season_days)
    refit = timedelta(days=args.refit_every or 28)
    print(f"history: {len(rows)} orders from {start}, {args.days} days; shock: DHL +"
          f"{shock.transit_days} carrier days for parcels handed over {shock.start} … "
          f"{shock.end - timedelta(days=1)}; replay from {split:%Y-%m-%d}, refit every "
          f"{refit.days} days")
    figures: dict[str, object] = {"scenario": "shock", "shock_days": shock.transit_days}
    for name, online in (("engine", None), ("engine_online", AciConfig())):
        t0 = time.perf_counter()
        replayed = replay(rows, split, calendars=cals, config=cfg, refit_every=refit,
                          online=online)
        got = shock_figures(replayed, shock)
        kept = [p.kept for p in replayed if p.kept is not None]
        got["on_time_rate"] = round(float(np.mean(kept)), 4)
        got["mean_promised_days"] = round(float(np.mean([p.promised_days
                                                         for p in replayed])), 3)
        print(f"{name:<14} first week {got['shock_first_week_on_time']:.1%}, weeks 2–3 "
              f"{got['shock_later_on_time']:.1%}, recovery excess "
              f"{got['recovery_promise_excess']:+.1%} (first two weeks "
              f"{got['recovery_first_two_weeks_excess']:+.1%}); first-week ceiling "
              f"{got['shock_first_week_ceiling']:.1%}; promised days first week "
              f"{got['shock_first_week_promised_days']:.2f}, weeks 2–3 "
              f"{got['shock_later_promised_days']:.2f}; pre-shock "
              f"{got['pre_shock_on_time']:.1%} at {got['pre_shock_promised_days']:.2f} days; "
              f"all orders {got['on_time_rate']:.1%} at {got['mean_promised_days']:.2f} days "
              f"({time.perf_counter() - t0:.0f} s)")
        figures[name] = got
    best = figures["engine_online"]
    assert isinstance(best, dict)
    for key in ("shock_first_week_on_time", "shock_later_on_time", "recovery_promise_excess"):
        figures[key] = best[key]
    print(json.dumps(figures))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", default="2024-01-01", help="first day of the history")
    parser.add_argument("--days", type=int, default=None,
                        help="days of history (default 731; shock: 300)")
    parser.add_argument("--orders-per-day", type=float, default=120.0)
    parser.add_argument("--split", default=None,
                        help="fit before, score from here (default 2025-01-01; shock: 2024-06-01)")
    parser.add_argument("--refit-every", type=int, default=28,
                        help="days between refits while scoring (0: fit once at --split)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--season-days", type=int, default=PromiseConfig().season_days,
                        help="days after the same date last year the calibration also learns "
                        "from (0: recent weeks only)")
    parser.add_argument("--lanes", choices=LANE_MODELS, default="published",
                        help="carrier transit model of the generator (see its docstring)")
    parser.add_argument("--requests", type=int, default=1000, help="API requests to time")
    parser.add_argument("--scenario", choices=("default", "shock"), default="default",
                        help="shock: replay a three-week carrier slow-down (see above)")
    parser.add_argument("--shock-start", default="2024-08-05",
                        help="first hand-over day of the shock (--scenario shock)")
    parser.add_argument("--shock-days", type=int, default=3,
                        help="carrier days the shock adds (--scenario shock)")
    args = parser.parse_args(argv)
    shock = args.scenario == "shock"
    args.days = args.days or (300 if shock else 731)
    args.split = args.split or ("2024-06-01" if shock else "2025-01-01")
    if shock:
        return run_shock(args)

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
