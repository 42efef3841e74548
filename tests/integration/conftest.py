"""Integration fixtures: a migrated engine on each database, a small warehouse, the tracking
scenarios' shop, and a real SMTP server and webhook receiver on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from doorstep.adapters.db.uow import transaction
from doorstep.bootstrap import make_engine
from doorstep.devtools import tracking_scenarios as scenarios
from doorstep.devtools.sinks import HttpSink, SmtpSink
from doorstep.domain.catalogue import Product
from doorstep.services import catalogue, stock_ledger

PEN = Product(sku="PEN", gtin="4006381333931", name="Pen", weight_g=12,
              length_mm=140, width_mm=10, height_mm=10)
MUG = Product(sku="MUG", gtin="4012345000016", name="Mug", weight_g=350,
              length_mm=120, width_mm=90, height_mm=100)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the test's database, at the newest schema: asking for ``engine`` makes
    ``database_url`` a copy of the migrated template (see ``tests/conftest.py``)."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def stocked(engine: Engine) -> Engine:
    """Warehouse BER with two locations; 5 pens at the first, 3 at the second, 2 mugs."""
    with transaction(engine, write=True) as conn:
        catalogue.upsert_warehouse(conn, "BER", "Berlin", "Europe/Berlin")
        catalogue.add_locations(conn, "BER", ["P-01-001-1-1", "P-02-004-1-1"])
        catalogue.upsert_product(conn, PEN)
        catalogue.upsert_product(conn, MUG)
        stock_ledger.receive(conn, sku="PEN", location="P-01-001-1-1", quantity=5,
                             reason="opening", actor="test")
        stock_ledger.receive(conn, sku="PEN", location="P-02-004-1-1", quantity=3,
                             reason="opening", actor="test")
        stock_ledger.receive(conn, sku="MUG", location="P-02-004-1-1", quantity=2,
                             reason="opening", actor="test")
    return engine


@pytest.fixture
def shop(engine: Engine) -> Engine:
    """The tracking scenarios' warehouse and products (``devtools.tracking_scenarios``)."""
    scenarios.stock_up(engine)
    return engine


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server (aiosmtpd) on loopback that keeps what it receives."""
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
def hooks() -> Iterator[HttpSink]:
    """A real HTTP receiver on loopback for outgoing webhooks."""
    with HttpSink() as sink:
        yield sink
