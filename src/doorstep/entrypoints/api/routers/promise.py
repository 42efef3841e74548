"""``GET /v1/promise``: the checkout promise, answered from a fitted model in memory.

The model file (``settings.promise_model_path``) is read once and cached on ``app.state``
(re-read only when the file changes), so a request is a dictionary lookup and a few small
numpy operations.  Callers: a shop's backend with its integration key, staff (operator,
viewer) — not anonymous browsers.  The current backlog comes from ``app.state.backlog_source`` (a
``BacklogSource``) or, by default, an empty backlog at the model's fitted throughput; the
online correction (how the carriers move now, from parcels in flight, and the running level)
from ``app.state.transit_source`` (``services.live_transit.LiveCorrectionSource``) when set.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from doorstep.adapters.promise_store import ModelFileError, load_model
from doorstep.domain.promise.calendar import CalendarRangeError
from doorstep.domain.promise.engine import PromiseRequest, make_promise
from doorstep.domain.promise.model import PromiseModel
from doorstep.entrypoints.api.access import Role, require
from doorstep.entrypoints.api.problems import problem
from doorstep.schemas.strict import CleanLine, sane_datetime
from doorstep.services.promise_service import BacklogSource, FittedThroughput

router = APIRouter()
_lock = threading.Lock()


def _model(request: Request) -> PromiseModel:
    """The cached model; loaded on first use and again whenever the file changes."""
    state = request.app.state
    path = str(request.app.state.container.settings.promise_model_path)
    try:
        stamp = os.stat(path).st_mtime_ns
    except OSError as exc:
        raise ModelFileError(f"model: cannot read {path}: {exc.strerror}") from exc
    cached = getattr(state, "promise_model", None)
    if cached is not None and cached[0] == (path, stamp):
        model: PromiseModel = cached[1]
        return model
    with _lock:
        model = load_model(path)
        state.promise_model = ((path, stamp), model)
    return model


def _invalid(field: str, reason: str) -> JSONResponse:
    return problem(422, "Invalid request", f"{field}: {reason}",
                   errors=[{"field": field, "reason": reason}])


@router.get("/v1/promise", summary="Delivery promise for a checkout page",
            dependencies=[Depends(require(Role.INTEGRATION, Role.OPERATOR, Role.VIEWER))])
def get_promise(
    request: Request,
    dest_country: Annotated[str, Query(pattern=r"^[A-Z]{2}$",
                                       description="ISO 3166-1 alpha-2")],
    carrier: Annotated[str, Query(min_length=1, max_length=40, description="e.g. dhl"),
                       CleanLine],
    service: Annotated[str, Query(min_length=1, max_length=40, description="e.g. paket"),
                       CleanLine],
    dest_postcode: Annotated[str, Query(max_length=20), CleanLine] = "",
    dest_region: Annotated[str, Query(max_length=100), CleanLine] = "",
    items: int = Query(1, ge=1, le=100_000, description="number of items in the cart"),
    at: datetime | None = Query(None, description="order time (ISO 8601 with offset); now"),
    level: float | None = Query(None, ge=0.5, lt=1.0, description="default: the model's"),
) -> Any:
    """Promised date, earliest–latest window and level; ``under_load`` when the queue is long."""
    if at is not None and at.tzinfo is None:
        return _invalid("at", "timestamp must carry a time zone offset")
    if at is not None:
        try:
            sane_datetime(at)
        except ValueError as exc:
            return _invalid("at", str(exc))
    when = at or datetime.now(UTC)
    try:
        model = _model(request)
    except ModelFileError as exc:
        return problem(503, "Service unavailable", f"promise model not available: {exc}")
    source: BacklogSource = getattr(request.app.state, "backlog_source", None) or \
        FittedThroughput(model)
    settings = request.app.state.container.settings
    req = PromiseRequest(
        ordered_at=when, carrier=carrier.lower(), service=service.lower(),
        dest_country=dest_country, dest_region=dest_region, dest_postcode=dest_postcode,
        # From this warehouse, as the worker asks for an order's promise: transit segments
        # are keyed by origin, and an empty one matches no lane of a fitted model.
        origin_country=settings.country, origin_region=settings.warehouse, items=items,
    )
    live = getattr(request.app.state, "transit_source", None)
    try:
        # How the carriers move now, also for a promise asked for another moment: ``at``
        # is the caller's to choose, and a correction per asked moment would read weeks of
        # the order book for every request.
        correction = live.correction(model, datetime.now(UTC)) if live is not None else None
        promise = make_promise(model, req, reading=source.reading(when), level=level,
                               correction=correction)
    except CalendarRangeError as exc:
        return _invalid("at", str(exc))
    w = promise.window
    return {
        "promised_date": w.promised_date.isoformat(),
        "earliest_date": w.earliest_date.isoformat(),
        "latest_date": w.latest_date.isoformat(),
        "level": w.level,
        "under_load": promise.under_load,
        "backlog": promise.backlog,
        "segments": {
            "processing": promise.processing_segment,
            "transit": promise.transit_segment,
            "calibration": promise.calibration_segment,
        },
        "model_fitted_at": model.fitted_at.isoformat(),
        "transit_shift": promise.transit_shift,
    }
