"""Goods-in gauges for ``/metrics``, read from the database at each scrape (like the order
book's): what waits at the receiving desk and why.

    doorstep_receiving_holds{reason}        open holds by their first reason code
    doorstep_receiving_area_units           received units waiting for putaway (not promisable)
    doorstep_advices{status}                despatch advices by status (waiting, open, …)
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.receiving_tables import advices, receiving_area, receiving_holds

__all__ = ["add_receiving_gauges"]


def add_receiving_gauges(registry: CollectorRegistry, engine: Engine) -> None:
    holds = Gauge("doorstep_receiving_holds", "Open receiving holds by first reason",
                  ["reason"], registry=registry)
    waiting = Gauge("doorstep_receiving_area_units",
                    "Received units waiting for putaway (not available to promise)",
                    registry=registry)
    by_status = Gauge("doorstep_advices", "Despatch advices by status", ["status"],
                      registry=registry)
    with engine.connect() as conn:
        for (reasons,) in conn.execute(select(receiving_holds.c.reasons)
                                       .where(receiving_holds.c.status == "held")):
            first = reasons[0]["code"] if reasons else "none"
            holds.labels(first).inc()
        waiting.set(conn.execute(select(func.coalesce(func.sum(receiving_area.c.quantity), 0))
                                 .where(receiving_area.c.status == "waiting")).scalar() or 0)
        for status, count in conn.execute(select(advices.c.status, func.count())
                                          .group_by(advices.c.status)):
            by_status.labels(status).set(count)
