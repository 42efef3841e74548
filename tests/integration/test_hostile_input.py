"""Hostile input gets a 4xx problem+json naming what is wrong — never a 500, never accepted.

Each case is one the attack on the open API found (issue 9): lone surrogates, integers past
BIGINT, deep JSON, a shipment for a missing order, the year 1, NUL bytes (PostgreSQL too),
megabyte strings, an unknown time zone, zero-unit shipments, ``Infinity`` in the planners,
unknown fields, oversized bodies and headers, cross-site form and text posts.  The real
application runs in-process on SQLite and PostgreSQL; the server-level cases (a 200 MB body
and an 8 MB header against ``doorstep serve``) are in ``tests/e2e/test_hostile_http.py``.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from pydantic import BaseModel
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import Container, make_engine
from doorstep.devtools.credentials import bearer, issue_key
from doorstep.devtools.server import free_port
from doorstep.entrypoints.api.app import create_app
from doorstep.schemas.orders import OrderIn
from doorstep.services.intake import accept_order
from doorstep.services.sites import DEMO_LAYOUT
from doorstep.settings import Settings

PROBLEM = "application/problem+json"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "picking"
LAYOUT = yaml.safe_load((FIXTURES / "warehouse.yaml").read_text())
PICK_ORDERS = json.loads((FIXTURES / "orders.json").read_text())
ORDER: dict[str, Any] = {
    "external_id": "H-1",
    "customer": {"name": "Ada Lovelace"},
    "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                         "postcode": "10117", "city": "Berlin", "country": "DE"},
    "lines": [{"sku": "PEN", "quantity": 1, "unit_price": "2.50"}],
}
BIG = 2**63  # one past BIGINT


def client_for(engine: Engine, *, token: str | None = None, anonymous: bool = False,
               **settings: Any) -> TestClient:
    """The app with an admin key (``token`` if given, a fresh one otherwise), or none."""
    settings.setdefault("layout_path", str(DEMO_LAYOUT))
    headers = {} if anonymous else bearer(token or issue_key(engine))
    container = Container(settings=Settings(database_url=str(engine.url), **settings),
                          engine=engine)
    return TestClient(create_app(container, embedded_worker=False),
                      raise_server_exceptions=False, headers=headers)


@pytest.fixture
def database_url(sqlite_url: str) -> str:
    """Most cases are refused before any database is asked: SQLite is enough for them."""
    return sqlite_url


@pytest.fixture
def client(stocked: Engine) -> Iterator[TestClient]:
    with client_for(stocked) as c:
        yield c


@pytest.fixture
def migrated_fixtures(migrated_fixtures: frozenset[str]) -> frozenset[str]:
    """``db_client`` asks for its database itself and needs it migrated."""
    return migrated_fixtures | {"db_client"}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_client(request: pytest.FixtureRequest) -> Iterator[TestClient]:
    """For the cases the database used to decide (NUL bytes, BIGINT): both databases."""
    url = request.getfixturevalue("sqlite_url" if request.param == "sqlite" else "postgres_url")
    engine = make_engine(url)
    with client_for(engine) as c:
        yield c
    engine.dispose()


def assert_problem(r: httpx.Response, status: int, *mentions: str) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith(PROBLEM), r.headers["content-type"]
    body: dict[str, Any] = r.json()
    assert body["status"] == status and body["title"] and body["detail"]
    text = json.dumps(body)
    for mention in mentions:
        assert mention in text, f"{mention!r} not in {text}"
    return body


def post_raw(client: TestClient, path: str, raw: bytes, **headers: str) -> httpx.Response:
    return client.post(path, content=raw,
                       headers={"content-type": "application/json", **headers})


# -- strings: NUL, control characters, lone surrogates, size -------------------------------

def test_a_nul_byte_in_an_order_is_refused_naming_the_field(db_client: TestClient) -> None:
    """external_id "a\\0b" is a 422 on SQLite and PostgreSQL (PostgreSQL cannot store it)."""
    r = db_client.post("/v1/orders", json={**ORDER, "external_id": "a\x00b"},
                    headers={"Idempotency-Key": "nul-1"})
    assert_problem(r, 422, "external_id", "control characters")


def test_control_characters_in_a_name_are_refused(client: TestClient) -> None:
    """A line break inside the customer's name is not a name."""
    r = client.post("/v1/orders",
                    json={**ORDER, "customer": {"name": "Ada\nLovelace"}},
                    headers={"Idempotency-Key": "ctl-1"})
    assert_problem(r, 422, "customer.name")


def test_a_nul_byte_in_a_path_id_is_refused(db_client: TestClient) -> None:
    """/v1/orders/a%00b names the path parameter instead of reaching the database."""
    assert_problem(db_client.get("/v1/orders/a%00b"), 422, "order_id")
    assert_problem(db_client.get("/v1/stock/P%00EN"), 422, "sku")


def test_a_lone_surrogate_anywhere_in_json_is_refused(db_client: TestClient) -> None:
    r"""A "\ud800" escape cannot be encoded as UTF-8; it is refused before parsing."""
    raw = json.dumps({**ORDER, "customer": {"name": "Ada"}}).replace('"Ada"', '"A\\ud800"')
    r = post_raw(db_client, "/v1/orders", raw.encode(), **{"Idempotency-Key": "sur-1"})
    assert_problem(r, 400, "surrogate")
    r = post_raw(db_client, "/v1/orders/x/cancel", b'{"reason": "\\udfff"}')
    assert_problem(r, 400, "surrogate")


def test_a_real_emoji_written_as_a_surrogate_pair_is_accepted(db_client: TestClient) -> None:
    r"""The guard refuses lone surrogates only: "\ud83d\ude00" is a valid character."""
    raw = json.dumps({**ORDER, "external_id": "E-1", "customer": {"name": "Ada \U0001f600"}})
    assert "\\ud83d\\ude00" in raw
    r = post_raw(db_client, "/v1/orders", raw.encode(), **{"Idempotency-Key": "emoji-1"})
    assert r.status_code == 201, r.text


def test_a_megabyte_actor_is_refused_naming_the_field(db_client: TestClient) -> None:
    """A 1 MB actor (or reason) is refused with the field's limit, not stored."""
    r = db_client.post("/v1/orders/x/cancel", json={"actor": "x" * 1_000_000})
    assert_problem(r, 422, "actor")
    r = db_client.post("/v1/stock/receipts", json={"sku": "PEN", "location": "P-01-001-1-1",
                                                "quantity": 1, "reason": "y" * 1_000_000})
    assert_problem(r, 422, "reason")


# -- numbers: BIGINT, finiteness, ranges --------------------------------------------------

def test_integers_past_bigint_are_refused_in_paths_bodies_and_queries(
        db_client: TestClient) -> None:
    """2^63 never reaches a BIGINT column or parameter: 422 naming where it was."""
    assert_problem(db_client.post(f"/v1/pick-tasks/{BIG}/confirm", json={"picked": 1}),
                   422, "task_id")
    assert_problem(db_client.get(f"/v1/quarantine/{BIG}"), 422, "record_id")
    assert_problem(db_client.get("/v1/quarantine", params={"offset": BIG}), 422, "offset")
    r = db_client.post("/v1/stock/adjustments", json={"sku": "PEN", "location": "P-01-001-1-1",
                                                   "delta": BIG, "reason": "count"})
    assert_problem(r, 422, "delta")
    r = db_client.post("/v1/orders/x/shipments", json={"carrier": "dhl", "tracking_number": "T1",
                                                    "quantities": {str(BIG): 1}})
    assert_problem(r, 422, "quantities")


def test_infinity_and_nan_are_refused_before_the_planners_see_them(
        client: TestClient) -> None:
    """Python's JSON parser reads Infinity and NaN; the API refuses them as not JSON."""
    body = json.dumps({"layout": LAYOUT, "orders": PICK_ORDERS[:3],
                       "cart": {"totes": 4, "volume": float("inf")}})
    assert "Infinity" in body
    assert_problem(post_raw(client, "/v1/pick/batch", body.encode()), 400, "Infinity")
    orders = [{**o, "weight": float("nan")} for o in PICK_ORDERS[:3]]
    body = json.dumps({"layout": LAYOUT, "orders": orders, "now": "2026-11-23T08:00:00Z"})
    assert_problem(post_raw(client, "/v1/pick/wave", body.encode()), 400, "NaN")


def test_the_year_one_is_refused_not_converted(client: TestClient, tmp_path: Path) -> None:
    """?at=0001-01-01 (with or without an offset) is a 422 naming at, not a 500."""
    for at in ("0001-01-01", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00"):
        r = client.get("/v1/promise", params={"dest_country": "DE", "carrier": "dhl",
                                              "service": "paket", "at": at})
        assert_problem(r, 422, "at")
    r = client.post("/v1/orders", json={**ORDER, "placed_at": "0001-01-01T00:00:00+01:00"},
                    headers={"Idempotency-Key": "year-1"})
    assert_problem(r, 422, "placed_at")


# -- domain rules the models now state ------------------------------------------------------

def test_an_unknown_time_zone_is_refused(client: TestClient) -> None:
    """A warehouse in time zone "xyz" (or a path-like name) is refused by zoneinfo."""
    for tz in ("xyz", "../../etc/passwd"):
        r = client.put("/v1/warehouses/HAM", json={"name": "Hamburg", "timezone": tz})
        assert_problem(r, 422, "timezone")
    r = client.put("/v1/warehouses/HAM", json={"name": "Hamburg", "timezone": "Europe/Berlin"})
    assert r.status_code == 200, r.text


def test_a_shipment_has_at_least_one_unit(client: TestClient) -> None:
    """quantities {1: 0} and {} are refused; a parcel carries something."""
    for quantities in ({"1": 0}, {}):
        r = client.post("/v1/orders/x/shipments", json={
            "carrier": "dhl", "tracking_number": "T1", "quantities": quantities})
        assert_problem(r, 422, "quantities")


def test_a_shipment_for_a_missing_order_is_a_404(db_client: TestClient) -> None:
    """Shipping an order that does not exist names the order, not a stack trace."""
    r = db_client.post("/v1/orders/ord_missing/shipments",
                    json={"carrier": "dhl", "tracking_number": "T404"})
    assert_problem(r, 404, "ord_missing")


def test_unknown_fields_are_refused_not_dropped(client: TestClient) -> None:
    """A typo'd or smuggled field is named in a 422 instead of being silently ignored."""
    r = client.post("/v1/orders/x/cancel", json={"reason": "r", "refund": True})
    assert_problem(r, 422, "refund")
    r = client.post("/v1/stock/receipts", json={"sku": "PEN", "location": "P-01-001-1-1",
                                                "quantity": 1, "on_hand": 0})
    assert_problem(r, 422, "on_hand")
    r = client.put("/v1/products/NEW", json={"gtin": "4006381333931", "name": "x",
                                             "weight_g": 1, "length_mm": 1, "width_mm": 1,
                                             "height_mm": 1, "price": 1})
    assert_problem(r, 422, "price")


# -- the shape and size of a request --------------------------------------------------------

def test_deep_json_is_refused_before_parsing(client: TestClient) -> None:
    """100,000 nested arrays (a RecursionError in the parser) are a 400 naming the depth."""
    assert_problem(post_raw(client, "/v1/orders", b"[" * 100_000 + b"]" * 100_000,
                            **{"Idempotency-Key": "deep-1"}), 400, "nested")
    deep = b'{"a":' * 40 + b"1" + b"}" * 40
    assert_problem(post_raw(client, "/v1/webhooks/carrier/gls", deep), 400, "nested")


def test_cross_site_simple_requests_are_refused_with_415(client: TestClient) -> None:
    """A <form> post, a text/plain fetch or a body without a type cannot reach a JSON route."""
    r = client.post("/v1/orders/x/cancel", data={"reason": "csrf"})
    assert_problem(r, 415, "application/json")
    r = client.post("/v1/orders/x/cancel", content=b'{"reason": "csrf"}',
                    headers={"content-type": "text/plain"})
    assert_problem(r, 415, "text/plain")
    r = client.post("/v1/orders/x/cancel", content=b"",
                    headers={"content-type": "application/x-www-form-urlencoded"})
    assert_problem(r, 415)
    r = client.post("/v1/orders/x/cancel", content=b'{"reason": "x"}',
                    headers={"content-type": ""})
    assert_problem(r, 415)


def test_json_with_a_charset_or_a_plus_json_type_is_accepted(client: TestClient) -> None:
    """application/json; charset=utf-8 and application/merge+json are JSON."""
    for media in ("application/json; charset=utf-8", "application/vnd.doorstep+json"):
        r = client.post("/v1/orders/ord_missing/cancel", content=b'{"reason": "x"}',
                        headers={"content-type": media})
        assert_problem(r, 404)


def test_a_body_over_the_limit_is_refused_with_413(stocked: Engine) -> None:
    """Above max_body_bytes: 413 naming the limit (the streaming case is in the e2e suite)."""
    with client_for(stocked, max_body_bytes=10_000) as small:
        r = post_raw(small, "/v1/orders/x/cancel",
                     json.dumps({"reason": "x" * 20_000}).encode())
        assert_problem(r, 413, "10000")
        assert r.headers["connection"] == "close"


def test_headers_over_the_limit_are_refused_with_431(stocked: Engine) -> None:
    """A header block above max_header_bytes is refused (serve's parser bounds it earlier)."""
    with client_for(stocked, max_header_bytes=4096) as small:
        assert_problem(small.get("/healthz", headers={"x-big": "a" * 8192}), 431, "4096")
        assert small.get("/healthz").status_code == 200


# -- errors in problem+json -----------------------------------------------------------------

def test_unknown_routes_and_methods_are_problems(client: TestClient) -> None:
    """404 and 405 come as problem+json too; 405 says which methods are allowed."""
    assert_problem(client.get("/v1/nothing-here"), 404, "/v1/nothing-here")
    r = client.delete("/v1/orders/x")
    assert_problem(r, 405, "DELETE")
    assert "GET" in r.headers["allow"]


def test_a_malformed_json_body_is_a_problem_naming_the_position(client: TestClient) -> None:
    """A syntax error is a 422 problem, not FastAPI's own JSON shape."""
    assert_problem(post_raw(client, "/v1/orders/x/cancel", b'{"reason": '), 422)


def test_an_unexpected_error_is_a_500_with_a_correlation_id_and_no_internals(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """The body names a correlation id (also in X-Request-ID); the exception text stays out."""
    from doorstep.entrypoints.api.routers import orders

    def broken(*args: object) -> None:
        raise RuntimeError("secret connection string postgresql://admin:hunter2@db")

    monkeypatch.setattr(orders, "order_view", broken)
    body = assert_problem(client.get("/v1/orders/anything"), 500)
    assert "hunter2" not in json.dumps(body) and "RuntimeError" not in json.dumps(body)
    r = client.get("/v1/orders/anything", headers={"X-Request-ID": "req-42"})
    assert r.json()["correlation_id"] == "req-42" == r.headers["x-request-id"]


def test_an_unreachable_database_is_a_503_with_retry_after() -> None:
    """PostgreSQL not answering: 503 + Retry-After without the URL, not a plain-text 500."""
    engine = make_engine(f"postgresql://root:hunter2@127.0.0.1:{free_port()}/doorstep")
    with client_for(engine, token="dsk_live_checked-against-the-database") as c:
        r = c.get("/v1/orders/x")
        assert_problem(r, 503, "database")
        assert int(r.headers["retry-after"]) > 0
        assert "hunter2" not in r.text and "127.0.0.1" not in r.text
    engine.dispose()


# -- rate limits ---------------------------------------------------------------------------

def test_anonymous_callers_are_rate_limited_per_address(stocked: Engine) -> None:
    """Past the per-address limit: 429 problem+json with Retry-After; other callers unaffected."""
    with client_for(stocked, anonymous=True, rate_limit_per_address="3/minute") as c:
        for _ in range(3):
            assert c.get("/healthz").status_code == 200
        r = c.get("/healthz")
        body = assert_problem(r, 429, "client address")
        assert 0 < int(r.headers["retry-after"]) <= 60, body
        keyed = c.get("/healthz", headers={"Authorization": "Bearer k1"})
        assert keyed.status_code == 200


def test_each_credential_has_its_own_rate_limit(stocked: Engine) -> None:
    """A key over its limit gets 429; another key still passes."""
    with client_for(stocked, anonymous=True, rate_limit_per_key="2/minute") as c:
        one = {"Authorization": "Bearer key-one"}
        assert [c.get("/healthz", headers=one).status_code for _ in range(3)] == [200, 200, 429]
        assert c.get("/healthz", headers={"Authorization": "Bearer key-two"}).status_code == 200


# -- the planners' bounds -------------------------------------------------------------------

def test_the_planners_refuse_more_orders_than_their_bound(stocked: Engine) -> None:
    """More than max_pick_orders orders in one batch request: 422 naming orders."""
    orders = [{"id": o["id"], "lines": o["lines"]} for o in PICK_ORDERS[:5]]
    with client_for(stocked, max_pick_orders=4) as c:
        r = c.post("/v1/pick/batch", json={"layout": LAYOUT, "orders": orders})
        assert_problem(r, 422, "orders", "at most 4")
        r = c.post("/v1/waves", json={"max_orders": 5})
        assert_problem(r, 422, "max_orders")


def test_a_planner_past_its_time_budget_is_stopped_with_a_422(stocked: Engine) -> None:
    """With a budget too small for any tour, the batch planner stops and says why."""
    orders = [{"id": o["id"], "lines": o["lines"]} for o in PICK_ORDERS[:10]]
    with client_for(stocked, planner_budget_s=1e-9) as c:
        r = c.post("/v1/pick/batch", json={"layout": LAYOUT, "orders": orders})
        assert_problem(r, 422, "time budget", "10 orders")


def test_every_route_documents_its_error_statuses_as_problem_json(client: TestClient) -> None:
    """The OpenAPI names 413/415/429/500 (and 422 as problem+json) for a body route."""
    spec = client.get("/openapi.json").json()
    cancel = spec["paths"]["/v1/orders/{order_id}/cancel"]["post"]["responses"]
    for status in ("404", "413", "415", "422", "429", "500", "503"):
        assert PROBLEM in cancel[status]["content"], status
    health = spec["paths"]["/healthz"]["get"]["responses"]
    assert "429" in health and "413" not in health


def test_a_valid_order_still_passes_every_guard(db_client: TestClient) -> None:
    """The guards refuse the hostile, not the ordinary: a plain order is accepted (201)."""
    r = db_client.post("/v1/orders", json={**ORDER, "external_id": "OK-1"},
                    headers={"Idempotency-Key": "ok-1"})
    assert r.status_code == 201, r.text
    OrderIn.model_validate(ORDER)


def test_a_shipment_quantity_names_an_order_line(stocked: Engine) -> None:
    """A parcel of one unit of line 1 of a packed order is accepted (the rule is not > 0 only)."""
    from order_builders import drain, order, pack_order

    order_id = accept_order(stocked, order("SHIP-1", ("PEN", 2)), "k-ship-1").order_id
    drain(stocked)
    with transaction(stocked, write=True) as conn:
        pack_order(conn, order_id)
    with client_for(stocked) as c:
        r = c.post(f"/v1/orders/{order_id}/shipments",
                   json={"carrier": "dhl", "tracking_number": "TS1", "quantities": {"1": 1}})
        assert r.status_code == 201, r.text


def _body_models(annotation: Any, seen: set[type[BaseModel]]) -> set[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel) \
            and annotation not in seen:
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _body_models(field.annotation, seen)
    for arg in typing.get_args(annotation):
        _body_models(arg, seen)
    return seen


def test_every_api_request_body_forbids_unknown_fields(client: TestClient) -> None:
    """Walks every /v1 route with a JSON body: each model (and nested model) is strict, so a
    new route whose model would silently drop a field fails here."""
    lenient = []
    routes = 0
    for context in iter_route_contexts(client.app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        path = context.path_format or ""
        if not isinstance(route, APIRoute) or route.body_field is None \
                or not path.startswith("/v1/"):
            continue
        routes += 1
        for model in _body_models(route.body_field.field_info.annotation, set()):
            if model.model_config.get("extra") != "forbid":
                lenient.append(f"{path}: {model.__qualname__}")
    assert routes >= 20
    assert not lenient, lenient


def test_a_wave_release_past_its_budget_is_refused_and_stores_nothing(stocked: Engine) -> None:
    """POST /v1/waves with a budget too small for one tour: 422, and no order is released."""
    from order_builders import drain, order
    from sqlalchemy import func, select

    from doorstep.adapters.db.picking_tables import waves
    from doorstep.adapters.db.tables import orders

    accept_order(stocked, order("W-1", ("MUG", 1)), "k-w-1")
    drain(stocked)
    with client_for(stocked, planner_budget_s=1e-9) as c:
        assert_problem(c.post("/v1/waves", json={"max_orders": 10}), 422, "time budget")
    with stocked.connect() as conn:
        assert conn.execute(select(func.count()).select_from(waves)).scalar() == 0
        assert conn.execute(select(orders.c.status)).scalar() == "allocated"


def test_an_address_that_keeps_failing_authentication_is_slowed_down(stocked: Engine) -> None:
    """After rate_limit_failed_auth 401s to requests with a (made-up) credential, the address
    gets 429 for anything: each new fake key would otherwise get a fresh per-key limit."""
    with client_for(stocked, anonymous=True, rate_limit_failed_auth="2/minute") as c:
        assert c.post("/v1/webhooks/shop/shopify", json={}).status_code == 401  # not counted
        for n in range(2):  # an unsigned Shopify webhook is a 401 (no secret configured)
            r = c.post("/v1/webhooks/shop/shopify", json={},
                       headers={"Authorization": f"Bearer made-up-{n}"})
            assert r.status_code == 401
        r = c.get("/healthz", headers={"Authorization": "Bearer made-up-3"})
        assert_problem(r, 429, "failed authentications")
        assert int(r.headers["retry-after"]) > 0


def test_an_inline_layout_of_absurd_size_is_refused_before_it_is_built(client: TestClient) -> None:
    """10,000,000 aisles in a two-pick request took 171 s and 4.8 GB; now a 422 naming aisles
    (and levels, cross aisles) at once."""
    for field, value in (("aisles", 10**7), ("levels", 10**9), ("cross_aisles", 10**4)):
        r = client.post("/v1/pick/route", json={"layout": {**LAYOUT, field: value},
                                                "picks": ["P-01-001-1-1"]})
        assert_problem(r, 422, field, "must be <=")


def test_a_graph_tour_with_too_many_stops_is_refused_before_routing(client: TestClient) -> None:
    """2,000 stops on a 2,000-node graph took 81 s in one routing call (no budget check can
    interrupt it); more than 500 distinct stops is a 422 saying to split the tour."""
    n = 502
    layout = {"kind": "graph", "name": "line", "depot": "n0",
              "nodes": [{"id": f"n{i}", "x": i, "y": 0} for i in range(n)],
              "edges": [{"from": f"n{i}", "to": f"n{i + 1}"} for i in range(n - 1)],
              "locations": {f"L-{i:04d}": f"n{i}" for i in range(n)}}
    r = client.post("/v1/pick/route", json={"layout": layout, "method": "nearest-2opt",
                                            "picks": [f"L-{i:04d}" for i in range(1, n)]})
    assert_problem(r, 422, "at most 500 distinct stops")


def test_a_short_pick_decision_past_its_budget_is_stopped(stocked: Engine) -> None:
    """Each alternative is a walk on the layout (1,000 on a large graph took 92 s); the
    decision runs within the planner budget and stops between walks."""
    body = {"layout": LAYOUT, "order_id": "o-1", "sku": "PEN", "location": "P-01-001-1-1",
            "requested": 5, "picked": 0, "at": "2026-11-30T10:00:00+00:00",
            "alternatives": [{"location": "P-02-004-1-1", "free_qty": 3}]}
    with client_for(stocked, planner_budget_s=1e-9) as c:
        assert_problem(c.post("/v1/pick/short-pick", json=body), 422, "time budget",
                       "1 alternatives")
    with client_for(stocked) as c:
        assert c.post("/v1/pick/short-pick", json=body).json()["reallocations"][0]["qty"] == 3
