"""Idempotent intake over real HTTP: replay, conflict, and problem+json for every refusal.

One server per database kind serves the whole module: each test uses keys and external ids
of its own, so they cannot see each other's orders.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from doorstep.devtools.loadgen import encode_post, run_load
from doorstep.devtools.payloads import order_body
from doorstep.devtools.server import ServerProcess
from doorstep.devtools.shop import place_order

pytestmark = pytest.mark.slow

PROBLEM = "application/problem+json"


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def api(request: pytest.FixtureRequest,
        tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    """An HTTP client on a running server with a freshly migrated database: a copy of the
    session's template that ``doorstep db upgrade`` migrated (``tests/conftest.py``).

    ``api.headers["X-Test-Database"]`` names the database kind, for the few tests whose
    expectations differ (the header is ignored by the server)."""
    folder: Path = tmp_path_factory.mktemp("intake-http")
    with ExitStack() as stack:
        if request.param == "postgres":
            url = stack.enter_context(request.getfixturevalue("new_migrated_postgres")())
        else:
            shutil.copy(request.getfixturevalue("sqlite_template"), folder / "intake.db")
            url = f"sqlite:///{folder / 'intake.db'}"
        server = stack.enter_context(ServerProcess(url, log_dir=folder, embedded_worker=False))
        yield stack.enter_context(server.client(
            timeout=30, headers={"X-Test-Database": request.param}))


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def assert_problem(response: httpx.Response, status: int) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, object] = response.json()
    assert body["status"] == status
    assert {"type", "title", "detail"} <= body.keys()
    return body


def test_the_same_key_and_body_replays_the_original_201(api: httpx.Client) -> None:
    """A retry with the same key and body gets the first response back, marked as a replay."""
    key, body = unique("key"), order_body(unique("ext"), [("SKU-1", 2)])
    first = place_order(api, key, body)
    again = place_order(api, key, body)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Location"] == f"/v1/orders/{first.json()['id']}"
    stored = api.get(f"/v1/orders/{first.json()['id']}").json()
    assert stored["external_id"] == body["external_id"]
    assert [e["type"] for e in stored["timeline"]] == ["received"]


def test_the_same_key_with_another_body_is_a_409_naming_the_original_order(
        api: httpx.Client) -> None:
    """Reusing a key for a different body is refused as problem+json, naming the first order."""
    key = unique("key")
    first = place_order(api, key, order_body(unique("ext"), [("SKU-1", 1)]))
    other = place_order(api, key, order_body(unique("ext"), [("SKU-1", 3)]))
    problem = assert_problem(other, 409)
    assert problem["order_id"] == first.json()["id"]
    assert key in str(problem["detail"])


def test_a_new_key_for_an_order_already_taken_is_a_409_duplicate(api: httpx.Client) -> None:
    """A shop that retries with a fresh key cannot create a twin of an accepted order."""
    body = order_body(unique("ext"), [("SKU-1", 1)])
    first = place_order(api, unique("key"), body)
    twin = place_order(api, unique("key"), body)
    problem = assert_problem(twin, 409)
    assert problem["order_id"] == first.json()["id"]


@pytest.mark.parametrize(("change", "field"), [
    (lambda b: b["lines"][0].update(quantity=0), "lines.0.quantity"),
    (lambda b: b["shipping_address"].update(country="Germany"), "shipping_address.country"),
    (lambda b: b.update(placed_at="2026-11-23T10:15:00"), "placed_at"),
    (lambda b: b.update(lines=[]), "lines"),
    (lambda b: b.pop("customer"), "customer"),
    (lambda b: b.update(surprise=True), "surprise"),
])
def test_an_invalid_body_is_a_422_naming_the_field_and_the_reason(
        api: httpx.Client, change: Callable[[dict[str, Any]], object], field: str) -> None:
    """Each validation failure names the failing field and why, and stores nothing."""
    body = order_body(unique("ext"), [("SKU-1", 1)])
    change(body)
    key = unique("key")
    problem = assert_problem(place_order(api, key, body), 422)
    errors = problem["errors"]
    assert isinstance(errors, list)
    assert field in [e["field"] for e in errors]
    assert all(e["reason"] for e in errors)
    assert field in str(problem["detail"])
    # Nothing was stored under that key: the corrected body is accepted with it.
    assert place_order(api, key, order_body(unique("ext"), [("SKU-1", 1)])).status_code == 201


@pytest.mark.parametrize("headers", [{}, {"Idempotency-Key": ""},
                                     {"Idempotency-Key": "k" * 201}])
def test_a_missing_or_unusable_idempotency_key_is_a_400(
        api: httpx.Client, headers: dict[str, str]) -> None:
    """Without a usable Idempotency-Key the order is refused with a problem naming the header."""
    body = order_body(unique("ext"), [("SKU-1", 1)])
    problem = assert_problem(api.post("/v1/orders", json=body, headers=headers), 400)
    assert "Idempotency-Key" in str(problem["detail"])


def test_malformed_json_is_a_problem_not_a_crash(api: httpx.Client) -> None:
    """A body that is not JSON at all gets a 422 problem, never a 500."""
    response = api.post("/v1/orders", content=b"{not json",
                        headers={"Idempotency-Key": unique("key"),
                                 "Content-Type": "application/json"})
    assert_problem(response, 422)


def test_an_unknown_order_is_a_404_problem(api: httpx.Client) -> None:
    """Reading an order that does not exist answers 404 problem+json."""
    assert_problem(api.get("/v1/orders/ord_DOESNOTEXIST"), 404)


def test_orders_with_nul_bytes_in_a_burst_never_fail_their_neighbours(api: httpx.Client) -> None:
    """Ten rounds of 40 valid orders and 3 with a NUL byte in external_id, all in flight at
    once (so they share group commits): every valid order gets its 201; the NUL orders are
    refused with a 4xx on PostgreSQL (which cannot store NUL) and never cause a 5xx."""
    host, port = api.base_url.host, api.base_url.port
    assert port is not None
    postgres = api.headers["X-Test-Database"] == "postgres"
    for rnd in range(10):
        tag = unique(f"nul{rnd}")
        requests, poisoned = [], set()
        for n in range(43):
            external_id = f"{tag}-{n}" + ("\x00" if n % 14 == 7 else "")
            if "\x00" in external_id:
                poisoned.add(n)
            body = json.dumps(order_body(external_id, [("SKU-1", 1)])).encode()
            requests.append(encode_post(host, port, "/v1/orders", body,
                                        {"Idempotency-Key": f"{tag}-key-{n}",
                                         "Authorization": api.headers["Authorization"]}))
        result = run_load(host, port, requests, connections=len(requests))
        valid = [s for n, s in enumerate(result.statuses) if n not in poisoned]
        bad = [(s, json.loads(result.bodies[n])) for n, s in enumerate(result.statuses)
               if n in poisoned]
        assert valid == [201] * 40, (rnd, valid, result.errors)
        assert all(status < 500 for status, _ in bad), bad
        if postgres:
            assert all(400 <= status < 500 and "external_id" in str(problem)
                       for status, problem in bad), bad
