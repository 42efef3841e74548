"""Promises on the order timeline: revision 0 at acceptance, revisions on every event."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from order_builders import order, pack_order
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.adapters.promise_store import save_model
from doorstep.domain.harmonise.tracking import (
    ExceptionReason,
    Location,
    TrackingEvent,
    TrackingStatus,
)
from doorstep.domain.promise.synthetic import stationary_history
from doorstep.services import order_flow
from doorstep.services.intake import accept_order
from doorstep.services.order_views import order_view
from doorstep.services.outbox import build_handlers, process_batch
from doorstep.services.promise_service import build_calendars, fit_history
from doorstep.services.tracking_timeline import record_tracking_event


@pytest.fixture(scope="module")
def model_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model fitted on 3,000 DHL orders: 0–2 processing days, 1–3 transit days."""
    start = date(2026, 8, 3)
    cals = build_calendars(country="DE", subdiv=None, first_year=2025, last_year=2027)
    rows = stationary_history(calendars=cals, start=start, n_orders=3000, days=90,
                              processing_pmf=[0.6, 0.3, 0.1], transit_pmf=[0.0, 0.7, 0.2, 0.1])
    fitted = fit_history(rows, country="DE", subdiv=None,
                         as_of=datetime(2026, 11, 10, tzinfo=UTC))
    path = tmp_path_factory.mktemp("model") / "model.json"
    save_model(path, fitted.model)
    return path


def drain(engine: Engine, path: Path) -> None:
    handlers = build_handlers(promise_model_path=str(path))
    while process_batch(engine, handlers=handlers).handled:
        pass


def promise_events(engine: Engine, oid: str) -> list[dict[str, Any]]:
    """The data of the order's promise and promise.revised events, oldest first."""
    with engine.connect() as conn:
        return [e["data"] for e in order_view(conn, oid)["timeline"]
                if e["type"] in ("promise", "promise.revised")]


def ship(engine: Engine, oid: str) -> None:
    with transaction(engine, write=True) as conn:
        pack_order(conn, oid)
        order_flow.ship(conn, oid, actor="t", carrier="dhl", tracking_number="JJD000111")


def test_an_accepted_order_gets_a_promise_window_on_its_timeline(
        stocked: Engine, model_path: Path) -> None:
    """Revision 0 has a promised date inside its earliest–latest window and the level."""
    oid = accept_order(stocked, order("P1", ("MUG", 1)), "k1").order_id
    drain(stocked, model_path)
    (data,) = promise_events(stocked, oid)
    assert data["revision"] == 0 and data["level"] == pytest.approx(0.95)
    assert data["earliest_date"] <= data["promised_date"] <= data["latest_date"]


def test_handover_and_an_exception_revise_the_promise_and_keep_the_original(
        stocked: Engine, model_path: Path) -> None:
    """Shipping adds revision 1; a customs exception adds revision 2 with a later date."""
    oid = accept_order(stocked, order("P2", ("MUG", 1)), "k2").order_id
    drain(stocked, model_path)
    ship(stocked, oid)
    drain(stocked, model_path)
    shipped_at = datetime.now(UTC)
    with transaction(stocked, write=True) as conn:
        record_tracking_event(conn, TrackingEvent(
            carrier="dhl", source="dhl-unified", tracking_number="JJD000111",
            status=TrackingStatus.exception, exception_reason=ExceptionReason.customs,
            occurred_at=shipped_at + timedelta(minutes=5), raw_code="customs",
            location=Location(country="DE")))
    drain(stocked, model_path)
    events = promise_events(stocked, oid)
    assert [e["revision"] for e in events] == [0, 1, 2]
    assert events[1]["cause"] == "handover"
    assert events[2]["cause"] == "exception:customs"
    assert events[2]["promised_date"] > events[1]["promised_date"]


def test_a_larger_backlog_never_promises_earlier(stocked: Engine, model_path: Path) -> None:
    """The 40th order in a queue is promised no earlier than the first."""
    first = accept_order(stocked, order("Q0", ("PEN", 1)), "q0").order_id
    drain(stocked, model_path)
    for n in range(1, 40):
        accept_order(stocked, order(f"Q{n}", ("PEN", 1)), f"q{n}")
    last = accept_order(stocked, order("Q40", ("PEN", 1)), "q40").order_id
    drain(stocked, model_path)
    a = promise_events(stocked, first)[0]
    b = promise_events(stocked, last)[0]
    assert b["backlog"] > a["backlog"]
    assert b["promised_date"] >= a["promised_date"]


def test_without_a_fitted_model_no_promise_is_invented(stocked: Engine, tmp_path: Path) -> None:
    """No model file: the order is allocated but its timeline carries no promise."""
    oid = accept_order(stocked, order("N1", ("MUG", 1)), "n1").order_id
    drain(stocked, tmp_path / "missing.json")
    assert promise_events(stocked, oid) == []
