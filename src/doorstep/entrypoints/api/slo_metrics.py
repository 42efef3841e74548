"""What the intake SLO is measured on: every ``POST /v1/orders``, its status class and time.

A pure ASGI middleware (no per-request objects for other routes) observes the histogram
``doorstep_intake_request_duration_seconds{code="2xx|4xx|5xx"}``.  The SLO counts a request
as good when it was not a 5xx *and* finished within ``slo_intake_latency_s``; the buckets
hold the usual latency objectives so the threshold is always a bucket boundary
(``doorstep monitoring rules`` refuses a threshold that is not one).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from fastapi import Request
from prometheus_client import CollectorRegistry, Gauge
from sqlalchemy import func, select

from doorstep.adapters.db.quarantine_tables import quarantine_records
from doorstep.entrypoints.api.deps import container
from doorstep.services.intake_timing import INTAKE_REQUESTS
from doorstep.services.promise_health import PromiseHealthCache

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]



class IntakeTiming:
    """Times ``POST /v1/orders`` from the first byte in to the response start going out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope.get("type") != "http" or scope.get("method") != "POST" or \
                scope.get("path") != "/v1/orders":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def timed_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, timed_send)
        finally:
            INTAKE_REQUESTS.labels(f"{status // 100}xx").observe(time.perf_counter() - started)


def add_slo_gauges(scrape: CollectorRegistry, request: Request) -> None:
    """Scrape-time figures for the SLOs: targets, promise kept, quarantine inflow."""
    c = container(request)
    settings = c.settings
    target = Gauge("doorstep_slo_target", "Configured service-level objectives", ["slo"],
                   registry=scrape)
    target.labels("intake_good_ratio").set(settings.slo_intake_target)
    target.labels("intake_latency_seconds").set(settings.slo_intake_latency_s)
    target.labels("outbox_lag_seconds").set(settings.slo_outbox_lag_s)
    target.labels("promise_kept_ratio").set(settings.slo_promise_kept)
    target.labels("quarantine_per_hour").set(settings.slo_quarantine_per_hour)
    health = promise_health_cache(request).get()
    kept = Gauge("doorstep_promise_kept_ratio",
                 "Delivered orders that arrived by their promised latest date",
                 ["window"], registry=scrape)
    delivered = Gauge("doorstep_promise_delivered", "Delivered orders with a promise",
                      ["window"], registry=scrape)
    for days, figure in health.items():
        delivered.labels(f"{days}d").set(figure.delivered)
        if figure.ratio is not None:
            kept.labels(f"{days}d").set(figure.ratio)
    received = Gauge("doorstep_quarantine_records",
                     "Records ever quarantined, by source (rises with every hold)", ["source"],
                     registry=scrape)
    held = Gauge("doorstep_quarantine_held", "Records waiting in quarantine, by source",
                 ["source"], registry=scrape)
    with c.engine.connect() as conn:
        for source, status, n in conn.execute(
                select(quarantine_records.c.source, quarantine_records.c.status, func.count())
                .group_by(quarantine_records.c.source, quarantine_records.c.status)):
            received.labels(source).inc(n)
            if status == "held":
                held.labels(source).set(n)


def promise_health_cache(request: Request) -> PromiseHealthCache:
    cache: PromiseHealthCache | None = getattr(request.app.state, "promise_health", None)
    if cache is None:
        c = container(request)
        cache = PromiseHealthCache(c.engine, c.settings.timezone)
        request.app.state.promise_health = cache
    return cache
