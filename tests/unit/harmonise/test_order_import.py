"""Importing orders: every record ends accepted, duplicate or quarantined — never dropped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES
from doorstep.adapters.importers.order_mapping import load_order_mapper
from doorstep.adapters.quarantine_store import QuarantineStore, StillInvalid
from doorstep.bootstrap import make_engine
from doorstep.domain.harmonise.order_checks import content_hash
from doorstep.domain.harmonise.reasons import ReasonCode
from doorstep.schemas.orders import OrderIn
from doorstep.services.order_import import (
    Decision,
    IntakeOutcome,
    IntakeResponse,
    OrderImporter,
    build_quarantine_store,
)

SHOPS = Path(__file__).parents[2] / "fixtures" / "shops"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class FakeIntake:
    """Idempotent on the key like the real intake: same content replays, other content conflicts."""

    def __init__(self) -> None:
        self.orders: dict[str, tuple[str, OrderIn]] = {}

    def __call__(self, order: OrderIn, key: str) -> IntakeResponse:
        digest = content_hash(order.model_dump(mode="json"))
        if key in self.orders:
            known, _ = self.orders[key]
            if known != digest:
                return IntakeResponse(IntakeOutcome.conflict, f"ord-{key}", "different body")
            return IntakeResponse(IntakeOutcome.duplicate, f"ord-{key}")
        self.orders[key] = (digest, order)
        return IntakeResponse(IntakeOutcome.accepted, f"ord-{key}")


@pytest.fixture
def quarantine_db(tmp_path: Path) -> Iterator[Any]:
    engine = make_engine(f"sqlite:///{tmp_path}/q.db")
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    yield engine
    engine.dispose()


def _importer(profile: str, intake: FakeIntake, store: QuarantineStore) -> OrderImporter:
    return OrderImporter(load_order_mapper(profile), intake, store, clock=lambda: NOW)


def test_a_clean_order_is_accepted_and_a_resend_is_a_duplicate(quarantine_db: Any) -> None:
    """Importing the Shopify sample twice accepts it once and counts the rest as duplicates."""
    intake = FakeIntake()
    store = QuarantineStore(quarantine_db)
    payload = (SHOPS / "shopify" / "order.json").read_bytes()
    first = _importer("shopify", intake, store).import_document(payload)
    second = _importer("shopify", intake, store).import_document(payload)
    assert (first.summary.accepted, first.summary.duplicates) == (1, 0)
    assert (second.summary.accepted, second.summary.duplicates) == (0, 1)
    assert list(intake.orders) == ["shopify:450789469"]
    assert store.list() == []


def test_the_webhook_after_the_rest_import_is_the_same_order(quarantine_db: Any) -> None:
    """shopify and shopify-webhook share the channel, so intake sees one idempotency key."""
    intake = FakeIntake()
    store = QuarantineStore(quarantine_db)
    _importer("shopify", intake, store).import_document(
        (SHOPS / "shopify" / "order.json").read_bytes())
    report = _importer("shopify-webhook", intake, store).import_document(
        (SHOPS / "shopify" / "order_webhook.json").read_bytes())
    assert [r.decision for r in report.results] == [Decision.duplicate]


def test_faulty_orders_are_quarantined_with_reasons_and_payload(quarantine_db: Any) -> None:
    """WooCommerce orders without SKUs are held, with the original order JSON kept."""
    intake = FakeIntake()
    store = QuarantineStore(quarantine_db)
    payload = (SHOPS / "woocommerce" / "order_727_retrieve.json").read_bytes()
    report = _importer("woocommerce", intake, store).import_document(payload)
    assert (report.summary.accepted, report.summary.quarantined) == (0, 1)
    (held,) = store.list()
    assert held.record_key == "woocommerce:727"
    assert json.loads(held.payload) == json.loads(payload)
    assert {r.code for r in held.reasons} == {ReasonCode.missing_field}
    assert intake.orders == {}


def test_plausibility_failures_quarantine_an_otherwise_valid_order(quarantine_db: Any) -> None:
    """A German order with a four-digit postcode passes the schema but is held."""
    source = json.loads((SHOPS / "shopify" / "order_webhook.json").read_text())
    source["shipping_address"].update(country_code="DE", zip="1011")
    store = QuarantineStore(quarantine_db)
    report = _importer("shopify-webhook", FakeIntake(), store).import_document(json.dumps(source))
    (result,) = report.results
    assert result.decision is Decision.quarantined
    assert [r.code for r in result.reasons] == [ReasonCode.invalid_postcode]


def test_same_order_number_with_different_content_is_quarantined(quarantine_db: Any) -> None:
    """A known order id arriving with another quantity is held, not silently replaced."""
    intake = FakeIntake()
    store = QuarantineStore(quarantine_db)
    source = json.loads((SHOPS / "shopify" / "order_webhook.json").read_text())
    _importer("shopify-webhook", intake, store).import_document(json.dumps(source))
    source["line_items"][0]["quantity"] = 5
    report = _importer("shopify-webhook", intake, store).import_document(json.dumps(source))
    assert [r.reasons[0].code for r in report.results] == [
        ReasonCode.same_order_different_content]
    assert report.summary.quarantined == 1


def test_in_one_document_a_changed_repeat_is_caught_before_intake(quarantine_db: Any) -> None:
    """Two different bodies for one order id in the same file: first accepted, second held."""
    intake = FakeIntake()
    order = json.loads((SHOPS / "shopify" / "order_webhook.json").read_text())
    changed = {**order, "line_items": order["line_items"][:1]}
    report = _importer("shopify", intake, QuarantineStore(quarantine_db)).import_document(
        json.dumps({"orders": [order, changed]}))
    assert [r.decision for r in report.results] == [Decision.accepted, Decision.quarantined]


def test_summary_counts_add_up_to_the_records_read(quarantine_db: Any) -> None:
    """accepted + quarantined + duplicates equals the number of orders in the document."""
    order = json.loads((SHOPS / "shopify" / "order_webhook.json").read_text())
    bad = {**order, "id": 2, "shipping_address": {**order["shipping_address"],
                                                  "country_code": "XX"}}
    doc = json.dumps({"orders": [order, order, bad]})
    report = _importer("shopify", FakeIntake(), QuarantineStore(quarantine_db)).import_document(
        doc)
    s = report.summary
    assert (s.accepted, s.duplicates, s.quarantined, s.total) == (1, 1, 1, 3)


def test_release_after_correction_goes_through_intake(quarantine_db: Any) -> None:
    """A held WooCommerce order, corrected with SKUs, is re-validated and accepted by intake."""
    intake = FakeIntake()
    store = build_quarantine_store(quarantine_db, intake)
    payload = (SHOPS / "woocommerce" / "order_727_retrieve.json").read_text()
    _importer("woocommerce", intake, store).import_document(payload)
    (held,) = store.list()
    with pytest.raises(StillInvalid):
        store.release(held.id, actor="alice")
    fixed = json.loads(held.payload)
    fixed["line_items"][0]["sku"] = "WOO-SINGLE"
    store.correct(held.id, json.dumps(fixed), actor="alice")
    assert store.release(held.id, actor="alice").status == "released"
    assert list(intake.orders) == ["woocommerce:727"]


def test_release_refuses_an_order_that_conflicts_with_an_accepted_one(
    quarantine_db: Any,
) -> None:
    """If intake already holds other content under the key, the record stays held."""
    intake = FakeIntake()
    store = build_quarantine_store(quarantine_db, intake)
    source = json.loads((SHOPS / "shopify" / "order_webhook.json").read_text())
    _importer("shopify-webhook", intake, store).import_document(json.dumps(source))
    source["line_items"][0]["quantity"] = 5
    _importer("shopify-webhook", intake, store).import_document(json.dumps(source))
    (held,) = store.list()
    with pytest.raises(StillInvalid):
        store.release(held.id, actor="alice")
    assert store.get(held.id).status == "held"
