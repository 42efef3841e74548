"""Building canonical orders and moving them along, for integration tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import Container
from doorstep.devtools.credentials import bearer, issue_key
from doorstep.domain.access import Role
from doorstep.entrypoints.api.app import create_app
from doorstep.schemas.orders import OrderIn
from doorstep.services import order_flow
from doorstep.services.intake import accept_order
from doorstep.services.outbox import process_batch
from doorstep.settings import Settings


def order(external_id: str, *lines: tuple[str, int]) -> OrderIn:
    return OrderIn.model_validate({
        "external_id": external_id,
        "customer": {"name": "Ada Lovelace"},
        "shipping_address": {"name": "Ada Lovelace", "line1": "Unter den Linden 1",
                             "postcode": "10117", "city": "Berlin", "country": "DE"},
        "lines": [{"sku": s, "quantity": q, "unit_price": "2.50"} for s, q in lines],
    })


def drain(engine: Engine) -> None:
    """Run the worker's default handlers until the outbox is empty."""
    while process_batch(engine).handled:
        pass


def pack_order(conn: Connection, order_id: str) -> None:
    """Release, pick everything reserved and pack an allocated order."""
    for step in (order_flow.release, order_flow.start_picking, order_flow.pick_all,
                 order_flow.pack):
        step(conn, order_id, actor="t")


def ship_new_order(engine: Engine, external_id: str, line: tuple[str, int], *, carrier: str,
                   tracking_number: str) -> str:
    """Accept, allocate, pack and hand over an order in one parcel; returns its id."""
    order_id = accept_order(engine, order(external_id, line), f"k-{external_id}").order_id
    drain(engine)
    with transaction(engine, write=True) as conn:
        pack_order(conn, order_id)
        order_flow.ship(conn, order_id, actor="t", carrier=carrier,
                        tracking_number=tracking_number)
    return order_id


@contextmanager
def api_client(engine: Engine, *, role: Role = Role.ADMIN, channel: str | None = None,
               **settings: Any) -> Iterator[TestClient]:
    """The real app on ``engine`` (no embedded worker), served in-process, calling with a
    fresh API key of ``role`` (admin unless a test says otherwise)."""
    container = Container(settings=Settings(database_url=str(engine.url), **settings),
                          engine=engine)
    token = issue_key(engine, role, channel=channel)
    with TestClient(create_app(container, embedded_worker=False),
                    headers=bearer(token)) as client:
        yield client


@contextmanager
def browser_client(engine: Engine, *, role: Role = Role.OPERATOR,
                   **settings: Any) -> Iterator[TestClient]:
    """The real app as a browser sees it: a staff user of ``role`` logged in through
    ``/login`` (session cookie, no API key), so forms must carry their CSRF token."""
    import re
    import secrets

    from doorstep.services import staff

    username, password = f"staff-{secrets.token_hex(4)}", secrets.token_urlsafe(16)
    with transaction(engine, write=True) as conn:
        staff.add_user(conn, username, password, role)
    container = Container(settings=Settings(database_url=str(engine.url), **settings),
                          engine=engine)
    with TestClient(create_app(container, embedded_worker=False)) as client:
        form = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
        assert form, "the log-in page has no CSRF token"
        logged_in = client.post("/login", follow_redirects=False, data={
            "username": username, "password": password, "csrf_token": form.group(1)})
        assert logged_in.status_code == 303, logged_in.text
        yield client
