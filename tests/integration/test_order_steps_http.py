"""Every order step over HTTP, from every state it may not start from: 409 naming the state.

One SQLite database holds one order in each of the ten states; a refused step changes
nothing, so every (step, state) pair is tried against the same orders.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from order_builders import api_client, drain, order
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import make_engine
from doorstep.domain.catalogue import Product
from doorstep.domain.order_states import CANCELLABLE, OrderStatus, may_become
from doorstep.services import catalogue, order_flow, stock_ledger
from doorstep.services.intake import accept_order

S = OrderStatus
CUP = Product(sku="CUP", gtin="4006381333931", name="Cup", weight_g=200,
              length_mm=90, width_mm=90, height_mm=100)

# step (as in the URL) → the states it may start from, read off the state machine.
STEPS: dict[str, frozenset[OrderStatus]] = {
    "release": may_become(S.RELEASED),
    "start-picking": may_become(S.PICKING),
    "pick-all": order_flow.PICKABLE,
    "pack": may_become(S.PACKED),
    "deliver": may_become(S.DELIVERED),
    "cancel": CANCELLABLE,
    "shipments": order_flow.SHIPPABLE,
}
WRONG = [(step, state) for step, allowed in STEPS.items() for state in S
         if state not in allowed]


def _build(engine: Engine) -> dict[OrderStatus, str]:
    """One order per state, each moved there through the services."""
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "BER", "Berlin", "Europe/Berlin")
        catalogue.add_locations(conn, "BER", ["P-01-001-1-1"])
        catalogue.upsert_product(conn, CUP)
        stock_ledger.receive(conn, sku="CUP", location="P-01-001-1-1", quantity=100,
                             reason="opening", actor="test")
    ids = {state: accept_order(engine, order(state.value, ("CUP", 2)), state.value).order_id
           for state in S if state not in (S.RECEIVED, S.BACKORDERED)}
    drain(engine)
    ids[S.BACKORDERED] = accept_order(engine, order("big", ("CUP", 500)), "big").order_id
    drain(engine)
    ids[S.RECEIVED] = accept_order(engine, order("new", ("CUP", 1)), "new").order_id
    path = {S.RELEASED: 1, S.PICKING: 2, S.PACKED: 4, S.PARTIALLY_SHIPPED: 4, S.SHIPPED: 4,
            S.DELIVERED: 4}
    steps = (order_flow.release, order_flow.start_picking, order_flow.pick_all,
             order_flow.pack)
    with transaction(engine, write=True) as conn:
        for state, oid in ids.items():
            for step in steps[:path.get(state, 0)]:
                step(conn, oid, actor="t")
            if state is S.CANCELLED:
                order_flow.cancel(conn, oid, actor="t", reason="test")
            if state in (S.SHIPPED, S.DELIVERED, S.PARTIALLY_SHIPPED):
                order_flow.ship(conn, oid, actor="t", carrier="dhl",
                                tracking_number=f"T-{state.value}",
                                quantities={1: 1} if state is S.PARTIALLY_SHIPPED else None)
            if state is S.DELIVERED:
                order_flow.deliver(conn, oid, actor="t")
    return ids


@pytest.fixture(scope="module")
def orders_by_state(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
                    ) -> Iterator[tuple[TestClient, dict[OrderStatus, str]]]:
    path: Path = tmp_path_factory.mktemp("steps") / "steps.db"
    shutil.copy(sqlite_template, path)  # the session's migrated template (tests/conftest.py)
    engine = make_engine(f"sqlite:///{path}")
    ids = _build(engine)
    # ~60 requests in a row from one test client: above the anonymous per-address limit
    with api_client(engine, rate_limit_per_address="10000/second") as client:
        yield client, ids
    engine.dispose()


def test_the_fixture_really_holds_one_order_in_each_state(
        orders_by_state: tuple[TestClient, dict[OrderStatus, str]]) -> None:
    """The matrix below means something only if each order is in the state it is named for."""
    client, ids = orders_by_state
    assert {state: client.get(f"/v1/orders/{oid}").json()["status"]
            for state, oid in ids.items()} == {state: state.value for state in ids}


@pytest.mark.parametrize(("step", "state"), WRONG, ids=[f"{a}-from-{b}" for a, b in WRONG])
def test_a_step_from_a_wrong_state_is_a_409_naming_the_state(
        orders_by_state: tuple[TestClient, dict[OrderStatus, str]], step: str,
        state: OrderStatus) -> None:
    """The step is refused with problem+json that names the order's current state, and the
    order is left as it was."""
    client, ids = orders_by_state
    oid = ids[state]
    body = ({"carrier": "dhl", "tracking_number": "X-1"} if step == "shipments" else {})
    r = client.post(f"/v1/orders/{oid}/{step}", json=body)
    assert r.status_code == 409, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["current_status"] == state.value
    assert repr(state.value) in r.json()["detail"]
    assert client.get(f"/v1/orders/{oid}").json()["status"] == state.value
