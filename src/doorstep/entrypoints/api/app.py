"""The FastAPI application: routers, problem+json handlers and the embedded worker.

``create_app`` takes a wired ``Container``; ``serve`` builds one from settings.  With
``embedded_worker`` (the default) the outbox worker runs as a thread of the API process, so
the embedded setup is one process; larger setups run ``doorstep worker`` separately.

Every route declares who may call it (``entrypoints/api/access.py``).  ``/docs`` and
``/openapi.json`` are open while ``serve`` listens on a loopback address only, and need a
credential (any role) as soon as it listens on a network.  Every request gets a correlation
id and, unless ``access_log`` is off, one JSON line in the access log
(``entrypoints/api/request_log.py``).
"""

from __future__ import annotations

import gc
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from doorstep import __version__
from doorstep.adapters.db.checkpoints import WalCheckpointer, disable_autocheckpoint
from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import Container, bootstrap
from doorstep.entrypoints.api import problems
from doorstep.entrypoints.api.access import Role, is_loopback, public, require
from doorstep.entrypoints.api.error_docs import document_errors
from doorstep.entrypoints.api.rate_limits import RateLimits
from doorstep.entrypoints.api.request_guard import RequestGuard
from doorstep.entrypoints.api.request_log import RequestLog, configure_access_log
from doorstep.entrypoints.api.routers import (
    bench,
    catalogue,
    health,
    metrics,
    notifications,
    ops,
    orders,
    packing,
    picking,
    promise,
    quarantine,
    receiving,
    search,
    stock,
    tracking_links,
    watchlist,
    waves,
    webhooks,
)
from doorstep.entrypoints.api.security_docs import document_security
from doorstep.entrypoints.api.slo_metrics import IntakeTiming
from doorstep.entrypoints.notifier import prepare_notifications, start_worker_threads
from doorstep.entrypoints.web import (
    login_pages,
    ops_pages,
    packing_pages,
    quarantine_pages,
    receiving_pages,
    tracking_pages,
)
from doorstep.entrypoints.web.rendering import mount_static
from doorstep.services.audit import AuditEntry, record
from doorstep.services.identities import DatabaseIdentities
from doorstep.services.intake_batcher import IntakeBatcher
from doorstep.services.notify_plan import OperatorNotices
from doorstep.services.order_promises import LiveBacklog, ModelCache, PlanCache


def create_app(container: Container, *, embedded_worker: bool | None = None) -> FastAPI:
    run_embedded = (container.settings.embedded_worker if embedded_worker is None
                    else embedded_worker)
    # settings and e-mail templates are checked now: a broken one stops start-up
    notify = prepare_notifications(container.settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop = threading.Event()
        checkpointer = None
        if container.is_sqlite:
            disable_autocheckpoint(container.engine)
            checkpointer = WalCheckpointer(container.engine)
            checkpointer.start()
        app.state.intake_batcher.start()
        threads: list[threading.Thread] = []
        if run_embedded:
            threads = start_worker_threads(container, stop, notify)
        try:
            yield
        finally:
            stop.set()
            app.state.intake_batcher.stop()
            app.state.identities.close()
            for thread in threads:
                thread.join(timeout=10)
            if checkpointer is not None:
                checkpointer.stop()

    app = FastAPI(
        title="doorstep",
        version=__version__,
        summary="Everything between an online shop's checkout and the customer's door.",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.container = container
    app.state.customer_notifier = OperatorNotices(notify.settings, container.settings.timezone)
    app.state.notify_settings = notify.settings  # the tracking page shows the shop's name
    app.state.identities = DatabaseIdentities(container.engine)

    def write_audit(entry: AuditEntry) -> None:
        with transaction(container.engine, write=True) as conn:
            record(conn, entry)

    app.state.audit_sink = write_audit
    app.state.intake_batcher = IntakeBatcher(container.engine)
    app.state.backlog_source = LiveBacklog(
        container.engine, ModelCache(container.settings.promise_model_path),
        PlanCache(container.settings.capacity_plan_path)
        if container.settings.capacity_plan_path else None)
    from doorstep.services.live_transit import LiveCorrections, LiveCorrectionSource

    app.state.transit_source = LiveCorrectionSource(
        container.engine, LiveCorrections(origin_country=container.settings.country))
    if container.settings.layout_path:
        # The stateless /v1/pick endpoints find the configured warehouse's layout by name.
        from doorstep.adapters.layout_file import load_layout

        layout = load_layout(container.settings.layout_path)
        app.state.picking_layouts = {container.settings.warehouse: layout, "default": layout}
    from doorstep.adapters.carriers.config import load_carrier_gateways

    app.state.carrier_gateways = load_carrier_gateways(container.settings.carriers_file)
    from doorstep.adapters.sla_file import read_sla

    app.state.lead_time_sla = read_sla(container.settings.lead_time_sla_path)
    problems.install(app)
    app.add_middleware(IntakeTiming)
    # Routes are matched in this order, and FastAPI tries every route of every router
    # before the one that matches: the customer's page (the most requested page, and
    # public) came 13th, and matching cost it ~190 µs of CPU per request; now it is second.
    for module in (health, tracking_pages, metrics, orders, catalogue, stock, waves, picking,
                   promise, webhooks, quarantine, search, tracking_links, notifications,
                   watchlist, receiving, receiving_pages, packing, packing_pages, ops, ops_pages,
                   quarantine_pages):
        app.include_router(module.router)
    login_pages.install(app)
    mount_static(app)
    _add_docs(app, open_=is_loopback(container.settings.host))
    if container.settings.bench_endpoints:
        app.include_router(bench.router)
    # Outermost first on the way in: rate limits, then the body and header guard.
    app.add_middleware(RequestGuard, settings=container.settings)
    app.add_middleware(RateLimits, settings=container.settings)
    # Outermost of all, so even a 429 or 413 gets its correlation id and its log line.
    app.add_middleware(RequestLog, enabled=container.settings.access_log)
    document_errors(app)
    document_security(app)
    return app


def settle_heap() -> None:
    """Prepare a serving process's garbage collector for bursts of requests.

    Start-up objects (app, routes, models) live for the whole process: move them out of the
    collector's view, and collect young objects less often, so a burst of orders is not
    paused by full collections that would find nothing to free.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 20, 100)


def app_from_environment() -> FastAPI:
    """The app of one ``serve --workers N`` process, wired from the environment ``serve``
    prepared (each process has its own engine, pool and group-commit writer)."""
    container = bootstrap()
    if container.settings.access_log:
        configure_access_log()
    app = create_app(container)
    settle_heap()
    return app


def _add_docs(app: FastAPI, *, open_: bool) -> None:
    """``/openapi.json`` and ``/docs``: open on loopback, any role on a network."""
    guard = (public("API documentation while serve listens on loopback only") if open_
             else require(Role.VIEWER, Role.OPERATOR, Role.WAREHOUSE, Role.INTEGRATION))

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(guard)])
    def openapi_document() -> JSONResponse:
        document: dict[str, Any] = app.openapi()
        return JSONResponse(document)

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(guard)])
    def swagger_ui(request: Request) -> HTMLResponse:
        return get_swagger_ui_html(openapi_url="/openapi.json", title="doorstep API")
