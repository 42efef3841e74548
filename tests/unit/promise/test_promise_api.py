"""GET /v1/promise: answered from the cached model; backlog source and errors."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from doorstep.adapters.promise_store import save_model
from doorstep.devtools.credentials import memory_client
from doorstep.domain.promise.fit import FitResult
from doorstep.domain.promise.load import BacklogReading
from doorstep.entrypoints.api.routers.promise import router
from doorstep.settings import Settings

QUERY = {"dest_country": "DE", "dest_postcode": "80331", "carrier": "dhl", "service": "paket",
         "items": 2, "at": "2024-10-07T09:00:00+02:00"}


def _app(model_path: Path) -> FastAPI:
    app = FastAPI()
    app.include_router(router)
    app.state.container = SimpleNamespace(settings=Settings(promise_model_path=str(model_path)))
    return app


@pytest.fixture()
def client(small_fit: FitResult, tmp_path: Path) -> TestClient:
    path = tmp_path / "model.json"
    save_model(path, small_fit.model)
    return memory_client(_app(path))


def test_checkout_gets_a_window_and_the_level(client: TestClient) -> None:
    """The answer has the promised date inside the earliest–latest window."""
    body = client.get("/v1/promise", params=QUERY).json()
    assert body["earliest_date"] <= body["promised_date"] <= body["latest_date"]
    assert body["level"] == 0.95 and body["under_load"] is False
    assert body["promised_date"] > "2024-10-07"


def test_a_long_backlog_from_the_source_moves_the_promise(client: TestClient) -> None:
    """An overridden backlog source makes the promise later and flags it."""
    calm = client.get("/v1/promise", params=QUERY).json()

    class Busy:
        def reading(self, at: datetime) -> BacklogReading:
            return BacklogReading(backlog=5_000)

    client.app.state.backlog_source = Busy()  # type: ignore[attr-defined]
    busy = client.get("/v1/promise", params=QUERY).json()
    assert busy["under_load"] is True
    assert busy["promised_date"] > calm["promised_date"]


def test_bad_parameters_are_problems_naming_the_field(client: TestClient) -> None:
    """A naive timestamp is refused with a problem+json body naming ``at``."""
    response = client.get("/v1/promise", params={**QUERY, "at": "2024-10-07T09:00:00"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["errors"][0]["field"] == "at"
    assert client.get("/v1/promise", params={**QUERY, "dest_country": "germany"}).status_code \
        == 422


def test_missing_model_is_service_unavailable(tmp_path: Path) -> None:
    """Without a model file the endpoint answers 503 with the reason."""
    response = memory_client(_app(tmp_path / "absent.json")).get("/v1/promise", params=QUERY)
    assert response.status_code == 503
    assert "promise model not available" in response.json()["detail"]


def test_the_live_correction_is_asked_for_now_whatever_moment_the_caller_names(
        client: TestClient) -> None:
    """``at`` is the caller's: a correction per asked moment would read weeks of the order
    book per request, so the route asks the live source for how the carriers move now."""
    from datetime import UTC

    from doorstep.domain.promise.live import TransitCorrection

    asked: list[datetime] = []

    class Live:
        def correction(self, model: object, at: datetime) -> TransitCorrection:
            asked.append(at)
            return TransitCorrection(shifts={"dhl:paket": 2})

    plain = client.get("/v1/promise", params=QUERY).json()
    client.app.state.transit_source = Live()  # type: ignore[attr-defined]
    before = datetime.now(UTC)
    shifted = client.get("/v1/promise", params=QUERY).json()
    assert len(asked) == 1 and before <= asked[0] <= datetime.now(UTC)
    assert shifted["latest_date"] > plain["latest_date"]  # the shift reached the promise
