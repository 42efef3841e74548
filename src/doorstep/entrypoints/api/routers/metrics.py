"""``/metrics`` for Prometheus: what operators watch before customers feel it.

Counters live in the process (intake outcomes and group-commit sizes, webhook results);
the order book's state — orders per status, outbox messages waiting and the age of the
oldest — is read from the database at each scrape, so every API process reports the same
truth and a restart loses nothing.

Scraping needs a viewer (or operator) key: Prometheus sends it as a bearer token
(``authorization: {credentials_file: …}`` in the scrape config), see SECURITY.md.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy import func, select

from doorstep.adapters.db.tables import orders, outbox
from doorstep.entrypoints.api.access import Role, require
from doorstep.entrypoints.api.deps import container
from doorstep.entrypoints.api.receiving_metrics import add_receiving_gauges
from doorstep.entrypoints.api.slo_metrics import add_slo_gauges
from doorstep.services.outbox import outbox_lag_seconds

router = APIRouter(tags=["health"])


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"description": "Prometheus text format.",
                             "content": {CONTENT_TYPE_LATEST.split(";")[0]: {}}}},
            dependencies=[Depends(require(Role.VIEWER, Role.OPERATOR))])
def metrics(request: Request) -> Response:
    engine = container(request).engine
    scrape = CollectorRegistry()
    by_status = Gauge("doorstep_orders", "Orders by status", ["status"], registry=scrape)
    pending = Gauge("doorstep_outbox_pending", "Outbox messages not yet handled",
                    registry=scrape)
    lag = Gauge("doorstep_outbox_lag_seconds", "Age of the oldest unhandled outbox message",
                registry=scrape)
    with engine.connect() as conn:
        for status, count in conn.execute(
                select(orders.c.status, func.count()).group_by(orders.c.status)):
            by_status.labels(status).set(count)
        pending.set(conn.execute(select(func.count()).select_from(outbox)
                                 .where(outbox.c.processed_at.is_(None))).scalar() or 0)
    lag.set(outbox_lag_seconds(engine))
    add_slo_gauges(scrape, request)
    add_receiving_gauges(scrape, engine)
    body = generate_latest(REGISTRY) + generate_latest(scrape)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
