"""What a run means: figures, the first bottleneck, charts and an HTML page.

The first bottleneck is the earliest hour in which a staffed station was busy at least
90 % of its staffed time *and* ended the hour with a growing queue that its crew cannot
finish before the next carrier pick-up (or, after the last one, before the day ends) — it
no longer keeps up, and the orders it holds will miss their cut-off.  A morning queue of
overnight orders that the crew clears by the pick-up is not a bottleneck.  Totes count as
a station: a wave that cannot get totes leaves orders in the release pool although nobody
is idle there; so does the wave planner's cap (``max_orders`` every ``wave_every_minutes``)
when the pool holds more than the waves until the pick-up can release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape
from pathlib import Path
from typing import Any

import numpy as np

from doorstep.simulation.arrivals import at_local
from doorstep.simulation.charts import bar_chart, line_chart
from doorstep.simulation.model import QUEUES, SAMPLE_S, RunResult

BUSY = 0.9


@dataclass(frozen=True)
class Bottleneck:
    station: str
    hour: int  # hours since the first local midnight
    at: str  # local time, "Thu 2026-12-10 11:00"
    utilisation: float
    queue: int


def hourly(samples: np.ndarray, hours: int) -> np.ndarray:
    per = int(3600 / SAMPLE_S)
    return samples[per - 1::per][:hours]


def utilisation(result: RunResult) -> dict[str, np.ndarray]:
    out = {}
    for station, busy in result.busy.items():
        staffed = result.staffed[station][: len(busy)]
        out[station] = np.divide(busy, staffed, out=np.zeros_like(busy), where=staffed > 0)
    return out


def first_bottleneck(result: RunResult) -> Bottleneck | None:
    hours = result.hours
    util = utilisation(result)
    rates = result.scenario.rates
    queues = {q: hourly(result.samples[q], hours) for q in QUEUES}
    per = int(3600 / SAMPLE_S)
    totes = result.tote_use[: hours * per].reshape(hours, per).mean(axis=1)
    pickups = sorted(p.hour for p in result.pickups)  # hours since midnight, fractional
    policy = result.scenario.policy
    waves_per_hour = 60.0 / policy.wave_every_minutes
    for h in range(hours):
        # the next pick-up after this hour ends (one at the very end of it is too late)
        until = next((int(p) for p in pickups if p > h + 1), (h // 24 + 1) * 24)
        for station in ("pick", "pack", "handover"):
            staffed = result.staffed[station][h]
            if staffed <= 0:
                continue
            # at least an hour's work: a queue that short is a rush, not a break
            ahead = max(result.staffed[station][h + 1:until].sum(), staffed)
            can = ahead / rates.seconds_per_order(station)
            q = int(queues[station][h])
            grew = h == 0 or q > queues[station][h - 1]
            if util[station][h] >= BUSY and q > max(can, 1.0) and grew:
                return _at(result, station, h, float(util[station][h]), q)
        q = int(queues["release"][h])
        grew = h == 0 or q > queues["release"][h - 1]
        if result.staffed["release"][h] > 0 and grew:
            if totes[h] >= 0.95 and q > policy.max_orders:
                return _at(result, "totes", h, float(totes[h]), q)
            staffed_hours = max(int((result.staffed["release"][h + 1:until] > 0).sum()), 1)
            if q > max(waves_per_hour * policy.max_orders * staffed_hours, 1):
                return _at(result, "release (wave size)", h, 1.0, q)
    return None


def _at(result: RunResult, station: str, h: int, u: float, q: int) -> Bottleneck:
    local = at_local(result.scenario, h * 3600.0)
    return Bottleneck(station, h, f"{local:%a %Y-%m-%d %H:%M}", round(u, 3), q)


def summary(result: RunResult) -> dict[str, Any]:
    """Everything a script wants to know, JSON-ready."""
    util = utilisation(result)
    neck = first_bottleneck(result)
    s = result.scenario
    return {
        "scenario": s.name, "days": s.days, "seed": s.seed, "added_staff": result.added,
        "orders": result.orders, "shipped": result.shipped,
        "backlog_at_end": int(result.samples["backlog"][-1]),
        "promises": {"kept": result.kept, "broken": result.broken,
                     "open": result.open_promises,
                     "kept_share": round(result.kept_share, 4),
                     "made_under_load": result.under_load,
                     "mean_days_promised": round(result.mean_days_promised, 2),
                     "model": result.promise_source},
        "utilisation": {st: round(float(result.busy[st].sum()
                                        / max(result.staffed[st][: len(result.busy[st])].sum(),
                                              1e-9)), 3) for st in result.busy},
        "peak_utilisation": {st: round(float(u.max(initial=0.0)), 3) for st, u in util.items()},
        "cutoffs": [{"carrier": p.carrier, "at": p.at.isoformat(), "due": p.due,
                     "shipped": p.shipped, "missed": p.missed} for p in result.pickups],
        "missed_cutoffs": sum(p.missed for p in result.pickups),
        "first_bottleneck": None if neck is None else {
            "station": neck.station, "hour": neck.hour, "at": neck.at,
            "utilisation": neck.utilisation, "queue": neck.queue},
        "max_queue": {q: int(result.samples[q].max(initial=0)) for q in QUEUES},
    }


def hour_labels(result: RunResult) -> list[str]:
    s = result.scenario
    return [f"{(s.start + timedelta(days=h // 24)):%a} {h % 24:02d}h" for h in range(result.hours)]


def charts(result: RunResult) -> dict[str, str]:
    """SVG charts by file stem."""
    hours = result.hours
    labels = hour_labels(result)
    names = {"release": "waiting for a wave", "pick": "pick", "pack": "pack",
             "handover": "hand-over", "pickup": "staged for carrier"}
    backlog = {names[q]: hourly(result.samples[q], hours).tolist() for q in QUEUES}
    util = {st: (u * 100).tolist() for st, u in utilisation(result).items()}
    pick_ups = [p for p in result.pickups if p.due]
    return {
        "backlog": line_chart("Orders waiting at each station (end of hour)", labels, backlog,
                              y_label="orders"),
        "utilisation": line_chart("Utilisation per station (% of staffed time)", labels,
                                  util, y_label="%", y_max=100),
        "cutoffs": bar_chart("Orders missing each carrier cut-off",
                             [f"{p.carrier} {p.at:%a %H:%M}" for p in pick_ups],
                             {"missed": [p.missed for p in pick_ups],
                              "shipped in time": [p.due - p.missed for p in pick_ups]},
                             y_label="orders"),
    }


def write_report(result: RunResult, directory: Path) -> Path:
    """SVG charts and ``report.html`` (charts inline; opens without a network)."""
    directory.mkdir(parents=True, exist_ok=True)
    drawn = charts(result)
    for stem, svg in drawn.items():
        (directory / f"{stem}.svg").write_text(svg, encoding="utf-8")
    info = summary(result)
    neck = info["first_bottleneck"]
    verdict = ("No station fell behind: every crew kept up." if neck is None else
               f"First bottleneck: <b>{escape(neck['station'])}</b> at {escape(neck['at'])} "
               f"({neck['utilisation']:.0%} busy, {neck['queue']} orders waiting).")
    rows = "".join(
        f"<tr><td>{escape(k)}</td><td>{escape(str(v))}</td></tr>" for k, v in (
            ("orders", info["orders"]), ("handed to carriers", info["shipped"]),
            ("promises kept", f"{info['promises']['kept_share']:.1%} "
                              f"({info['promises']['kept']} kept, "
                              f"{info['promises']['broken']} broken, "
                              f"{info['promises']['open']} still open)"),
            ("orders missing a cut-off", info["missed_cutoffs"]),
            ("added staff", ", ".join(f"{k} {v:+d}" for k, v in result.added.items())
             or "none"),
            ("promise model", info["promises"]["model"])))
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>Peak simulation: {escape(result.scenario.name)}</title>
<style>body{{font-family:sans-serif;max-width:800px;margin:2em auto;color:#222}}
table{{border-collapse:collapse}}td{{border-bottom:1px solid #ddd;padding:4px 12px}}</style>
</head><body>
<h1>Peak simulation: {escape(result.scenario.name)}</h1>
<p>{result.scenario.days} days from {result.scenario.start}, seed {result.scenario.seed}.</p>
<p>{verdict}</p>
<table>{rows}</table>
{''.join(f'<figure>{svg}</figure>' for svg in drawn.values())}
</body></html>
"""
    path = directory / "report.html"
    path.write_text(page, encoding="utf-8")
    return path
