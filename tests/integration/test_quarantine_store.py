"""The quarantine store on SQLite and PostgreSQL: round trips, filters and release races."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES
from doorstep.adapters.db.schema import all_metadata
from doorstep.adapters.db.tables import orders
from doorstep.adapters.importers.order_mapping import load_order_mapper
from doorstep.adapters.quarantine_store import (
    QuarantineRecord,
    QuarantineStore,
    RecordNotHeld,
)
from doorstep.bootstrap import make_engine
from doorstep.domain.harmonise.reasons import Reason, ReasonCode
from doorstep.services.order_import import OrderImporter, build_quarantine_store, engine_intake

SHOPS = Path(__file__).parents[1] / "fixtures" / "shops"

REASONS = [
    Reason(ReasonCode.unknown_status_code, "status", "'XZ' has no entry in vocabulary 'dhl'"),
    Reason(ReasonCode.naive_timestamp, "timestamp", "'2026-11-20 10:00' carries no offset"),
]


@pytest.fixture
def quarantine_db(database_url: str) -> Iterator[Engine]:
    """Only the quarantine tables, created on a fresh SQLite file or PostgreSQL database."""
    engine = make_engine(database_url)
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    yield engine
    metadata.drop_all(engine, tables=list(QUARANTINE_TABLES))
    engine.dispose()


def test_reasons_payload_and_times_round_trip(quarantine_db: Engine) -> None:
    """Reasons come back as the same objects, payload byte-for-byte, times UTC-aware."""
    store = QuarantineStore(quarantine_db)
    payload = '<?xml version="1.0"?><piece code="ÄÖÜ – ✓"/>'
    record_id = store.hold("dpd", "tracking", "dpd:01234567890123", REASONS, payload)
    record = store.get(record_id)
    assert record.reasons == REASONS
    assert record.payload == payload
    assert record.created_at.utcoffset() is not None
    assert record.audit[0].at.utcoffset() is not None


def test_list_filters_by_status_source_and_kind(quarantine_db: Engine) -> None:
    """Filters combine; status None lists every record, oldest first."""
    store = QuarantineStore(quarantine_db)
    a = store.hold("shopify", "order", "shopify:1", REASONS, "a")
    b = store.hold("gls", "tracking", "gls:1", REASONS, "b")
    c = store.hold("shopify", "order", "shopify:2", REASONS, "c")
    store.reject(c, actor="ops", note="test data")
    assert [r.id for r in store.list(source="shopify")] == [a]
    assert [r.id for r in store.list(kind="tracking")] == [b]
    assert [r.id for r in store.list(status="rejected")] == [c]
    assert [r.id for r in store.list(status=None)] == [a, b, c]
    assert store.count() == {"shopify": 1, "gls": 1}


def test_concurrent_releases_deliver_and_mark_released_once(
    quarantine_db: Engine,
) -> None:
    """Eight threads releasing one record: one succeeds, the rest see InvalidTransition."""
    delivered: list[int] = []
    lock = threading.Lock()

    def handover(record: QuarantineRecord) -> None:
        with lock:
            delivered.append(record.id)

    store = QuarantineStore(quarantine_db, validators={"order": lambda r: []},
                            handovers={"order": handover})
    record_id = store.hold("shopify", "order", "shopify:1", REASONS, "x")
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def release() -> None:
        barrier.wait()
        try:
            store.release(record_id, actor="ops")
            outcome = "released"
        except RecordNotHeld:
            outcome = "refused"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=release) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("released") == 1
    assert outcomes.count("refused") == 7
    record = store.get(record_id)
    assert record.status == "released"
    assert [a.action for a in record.audit].count("release") == 1
    # Hand-overs are idempotent by contract (intake keys on the order id); every delivery
    # concerned the same record.
    assert set(delivered) == {record_id}


@pytest.fixture
def full_schema(database_url: str) -> Iterator[Engine]:
    """Every table on the shared metadata (foundation + harmonise), without Alembic."""
    engine = make_engine(database_url)
    tables = all_metadata()
    tables.create_all(engine)
    yield engine
    tables.drop_all(engine)
    engine.dispose()


def test_the_real_intake_accepts_replays_and_conflicts(full_schema: Engine) -> None:
    """engine_intake maps accept_order's outcomes: new, replay, and other content."""
    intake = engine_intake(full_schema)
    store = QuarantineStore(full_schema)
    body = json.loads((SHOPS / "shopify" / "order_webhook.json").read_text())
    importer = OrderImporter(load_order_mapper("shopify-webhook"), intake, store)
    assert importer.import_document(json.dumps(body)).summary.accepted == 1
    again = OrderImporter(load_order_mapper("shopify"), intake, store)
    assert again.import_document(json.dumps({"order": body})).summary.duplicates == 1
    body["line_items"][0]["quantity"] = 3
    changed = OrderImporter(load_order_mapper("shopify-webhook"), intake, store)
    report = changed.import_document(json.dumps(body))
    assert [r.reasons[0].code for r in report.results] == [
        ReasonCode.same_order_different_content]
    with full_schema.connect() as conn:
        assert conn.execute(select(func.count()).select_from(orders)).scalar_one() == 1


def test_a_corrected_order_is_released_into_the_real_intake(full_schema: Engine) -> None:
    """A held WooCommerce order, corrected, lands in the orders table on release."""
    intake = engine_intake(full_schema)
    store = build_quarantine_store(full_schema, intake)
    payload = (SHOPS / "woocommerce" / "order_727_retrieve.json").read_text()
    OrderImporter(load_order_mapper("woocommerce"), intake, store).import_document(payload)
    (held,) = store.list()
    fixed = json.loads(held.payload)
    fixed["line_items"][0]["sku"] = "WOO-SINGLE"
    store.correct(held.id, json.dumps(fixed), actor="ops")
    store.release(held.id, actor="ops")
    with full_schema.connect() as conn:
        row = conn.execute(select(orders.c.channel, orders.c.external_id)).one()
    assert tuple(row) == ("woocommerce", "727")
