"""Learning a scenario's intake curve and service times from the shop's own order book.

* Intake: orders per local weekday and hour (``placed_at``, else ``accepted_at``) over the
  whole weeks the book covers; ``orders_per_day`` is their daily mean.
* Picking: the gaps between one picker's consecutive pick confirmations within one cart
  tour are the time per line, walking included; the median of gaps under 10 minutes,
  less the mean walk per line (the waves' routed metres over their pick tasks at the
  scenario's walking speed), is the time per line — the model adds the walk per tour.
* Packing: the gaps between one packer's consecutive ``packed`` events under 20 minutes.

A figure needs at least ``MIN_SAMPLES`` gaps; otherwise the scenario's configured rate
stays and the summary says so.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from statistics import median
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, select

from doorstep.adapters.db.picking_tables import pick_tasks, waves
from doorstep.adapters.db.tables import order_events, orders
from doorstep.bootstrap import make_engine
from doorstep.simulation.scenario import Scenario

MIN_SAMPLES = 30
MIN_DAYS = 7


def _gaps(rows: list[tuple[str, str, datetime]], limit_s: float) -> list[float]:
    """Gaps between consecutive timestamps per (actor, group), those under ``limit_s``."""
    by: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for actor, group, at in rows:
        by[(actor, group)].append(at)
    out = []
    for times in by.values():
        times.sort()
        out += [g for a, b in itertools.pairwise(times)
                if 0 < (g := (b - a).total_seconds()) < limit_s]
    return out


def intake_curve(conn: Connection, zone: ZoneInfo) -> tuple[list[float], list[float], float,
                                                            int]:
    """(weekday shares, hourly shares, orders per day, days covered) from the book."""
    rows = conn.execute(select(orders.c.placed_at, orders.c.accepted_at)).all()
    weekday = [0.0] * 7
    hourly = [0.0] * 24
    days = set()
    for placed, accepted in rows:
        local = (placed or accepted).astimezone(zone)
        weekday[local.weekday()] += 1
        hourly[local.hour] += 1
        days.add(local.date())
    span = (max(days) - min(days)).days + 1 if days else 0
    per_day = len(rows) / span if span else 0.0
    return weekday, hourly, per_day, span


def service_times(conn: Connection) -> dict[str, Any]:
    picks = [(r.confirmed_by or "", f"{r.wave_id}/{r.batch}", r.confirmed_at)
             for r in conn.execute(select(pick_tasks.c.confirmed_by, pick_tasks.c.wave_id,
                                          pick_tasks.c.batch, pick_tasks.c.confirmed_at)
                                   .where(pick_tasks.c.confirmed_at.is_not(None)))]
    packs = [(r.actor, "", r.at) for r in conn.execute(
        select(order_events.c.actor, order_events.c.at)
        .where(order_events.c.type == "packed"))]
    metres = conn.execute(select(func.sum(waves.c.total_distance))).scalar() or 0.0
    tasks = conn.execute(select(func.count()).select_from(pick_tasks)).scalar() or 0
    line_gaps = _gaps(picks, 600)
    pack_gaps = _gaps(packs, 1200)
    return {"pick_s_per_line": median(line_gaps) if len(line_gaps) >= MIN_SAMPLES else None,
            "pick_samples": len(line_gaps),
            "walk_m_per_line": float(metres) / tasks if tasks else 0.0,
            "pack_s_per_order": median(pack_gaps) if len(pack_gaps) >= MIN_SAMPLES else None,
            "pack_samples": len(pack_gaps)}


def learn_from_database(scenario: Scenario, database_url: str) -> tuple[Scenario, str]:
    """The scenario with the book's curve and service times; and a line saying what changed."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            weekday, hourly, per_day, span = intake_curve(conn, scenario.zone)
            times = service_times(conn)
    finally:
        engine.dispose()
    said = []
    intake = scenario.intake
    if span >= MIN_DAYS and per_day > 0:
        full = [w if w > 0 else 0.01 for w in weekday]
        intake = replace(intake, weekday=tuple(full), hourly=tuple(h or 0.01 for h in hourly),
                         orders_per_day=per_day)
        said.append(f"intake curve from {span} days ({per_day:.0f} orders/day)")
    else:
        said.append(f"intake: only {span} days in the book (need {MIN_DAYS}); scenario curve")
    rates = scenario.rates
    if times["pick_s_per_line"] is not None:
        walk = times["walk_m_per_line"] / rates.walk_m_per_s
        rates = replace(rates, pick_s_per_line=max(float(times["pick_s_per_line"]) - walk, 1.0))
        said.append(f"{rates.pick_s_per_line:.0f} s per pick line "
                    f"({times['pick_samples']} confirmations)")
    else:
        said.append(f"pick: {times['pick_samples']} confirmations, configured rate kept")
    if times["pack_s_per_order"] is not None:
        rates = replace(rates, pack_s_per_order=float(times["pack_s_per_order"]))
        said.append(f"{rates.pack_s_per_order:.0f} s per pack ({times['pack_samples']} packs)")
    else:
        said.append(f"pack: {times['pack_samples']} packs, configured rate kept")
    return replace(scenario, intake=intake, rates=rates), "; ".join(said)
