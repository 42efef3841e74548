"""Every route says who may call it, and the app holds to it: the route-permission matrix.

The full app (bench endpoints and all) is walked with ``doorstep.devtools.route_access``:
a route added by anyone without ``require(...)``/``public(...)`` fails here by name.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from doorstep.bootstrap import Container
from doorstep.devtools.credentials import bearer, issue_key
from doorstep.devtools.route_access import access_failures, declarations, undeclared
from doorstep.domain.access import Role
from doorstep.entrypoints.api.app import create_app
from doorstep.services.sites import DEMO_LAYOUT
from doorstep.settings import Settings


def full_app(engine: Engine, **settings: object) -> FastAPI:
    # rate limits off: the walk makes hundreds of calls a second from one address
    values: dict[str, object] = {"bench_endpoints": True, "layout_path": str(DEMO_LAYOUT),
                                 "rate_limit_per_address": "", "rate_limit_per_key": "",
                                 **settings}
    container = Container(settings=Settings(database_url=str(engine.url), **values),  # type: ignore[arg-type]
                          engine=engine)
    return create_app(container, embedded_worker=False)


@pytest.fixture
def tokens(engine: Engine) -> dict[Role, str]:
    return {role: issue_key(engine, role) for role in Role}


@pytest.fixture
def client(engine: Engine) -> Iterator[TestClient]:
    with TestClient(full_app(engine)) as c:
        yield c


def test_every_registered_route_declares_and_enforces_its_roles(
        engine: Engine, client: TestClient, tokens: dict[Role, str]) -> None:
    """Anonymous → 401, a role not allowed → 403, an allowed role → past the door."""
    app = client.app
    assert isinstance(app, FastAPI)
    assert len(declarations(app)) >= 30
    assert access_failures(app, client, tokens) == []


def test_a_route_that_declares_nothing_is_named(engine: Engine) -> None:
    """The walk would catch a new route that forgot its requirement."""
    app = full_app(engine)
    extra = APIRouter()

    @extra.get("/v1/forgotten")
    def forgotten() -> dict[str, str]:
        return {"oops": "open"}

    app.include_router(extra)
    assert undeclared(app) == ["GET /v1/forgotten"]


def test_anonymous_calls_get_401_problem_with_a_bearer_challenge(client: TestClient) -> None:
    response = client.post("/v1/orders/ord_X/cancel", json={})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_unknown_or_malformed_credential_is_401(client: TestClient) -> None:
    for header in ("Bearer dsk_live_nonsense", "Basic YWRtaW46YWRtaW4=", "Bearer "):
        response = client.get("/v1/orders/ord_X", headers={"Authorization": header})
        assert response.status_code == 401, header


def test_a_revoked_key_stops_and_a_rotated_key_replaces_its_old_secret(
        engine: Engine, client: TestClient) -> None:
    from doorstep.adapters.db.uow import transaction
    from doorstep.services import api_keys

    secret = issue_key(engine, Role.VIEWER, name="rotating")
    assert client.get("/v1/stock/PEN", headers=bearer(secret)).status_code == 200
    with transaction(engine, write=True) as conn:
        _, new_secret = api_keys.rotate_key(conn, api_keys.visible_prefix(secret))
    client.app.state.identities._keys._items.clear()  # type: ignore[attr-defined]
    assert client.get("/v1/stock/PEN", headers=bearer(secret)).status_code == 401
    assert client.get("/v1/stock/PEN", headers=bearer(new_secret)).status_code == 200
    with transaction(engine, write=True) as conn:
        api_keys.revoke_key(conn, api_keys.visible_prefix(new_secret))
    client.app.state.identities._keys._items.clear()  # type: ignore[attr-defined]
    assert client.get("/v1/stock/PEN", headers=bearer(new_secret)).status_code == 401


def test_metrics_need_a_viewer_key_which_prometheus_sends_as_a_bearer_token(
        client: TestClient, tokens: dict[Role, str]) -> None:
    assert client.get("/metrics").status_code == 401
    scraped = client.get("/metrics", headers=bearer(tokens[Role.VIEWER]))
    assert scraped.status_code == 200 and "doorstep_orders" in scraped.text


def test_docs_are_open_on_loopback_and_closed_on_a_network_address(
        engine: Engine, tokens: dict[Role, str]) -> None:
    with TestClient(full_app(engine)) as local:
        assert local.get("/openapi.json").status_code == 200
        assert local.get("/docs").status_code == 200
    with TestClient(full_app(engine, host="0.0.0.0")) as exposed:
        assert exposed.get("/openapi.json").status_code == 401
        assert exposed.get("/docs").status_code == 401
        document = exposed.get("/openapi.json", headers=bearer(tokens[Role.INTEGRATION]))
        assert document.status_code == 200
        assert "apiKey" in document.json()["components"]["securitySchemes"]


def test_health_probes_are_public_and_say_nothing_about_data(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and "orders" not in ready.text


def test_every_request_gets_a_correlation_id_and_one_json_access_log_line(
        client: TestClient, tokens: dict[Role, str], caplog: pytest.LogCaptureFixture) -> None:
    """The caller's X-Request-ID comes back; the line names principal and route template,
    never the key."""
    with caplog.at_level(logging.INFO, logger="doorstep.access"):
        response = client.get("/v1/orders/ord_SECRETID",
                              headers={**bearer(tokens[Role.VIEWER]), "X-Request-ID": "req-42"})
        generated = client.get("/healthz")
    assert response.headers["X-Request-ID"] == "req-42"
    assert len(generated.headers["X-Request-ID"]) == 32
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "doorstep.access"]
    first = lines[0]
    assert {k: first[k] for k in ("principal", "method", "route", "status",
                                  "correlation_id")} == {
        "principal": "key:test-viewer", "method": "GET", "route": "/v1/orders/{order_id}",
        "status": 404, "correlation_id": "req-42"}
    assert isinstance(first["duration_ms"], float) and first["time"].endswith("Z")
    text = " ".join(r.getMessage() for r in caplog.records)
    assert tokens[Role.VIEWER] not in text and "SECRETID" not in text


def test_a_hostile_request_id_is_replaced(client: TestClient) -> None:
    response = client.get("/healthz", headers={"X-Request-ID": "x\" injected=1"})
    assert response.headers["X-Request-ID"] != "x\" injected=1"
