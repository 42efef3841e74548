"""The quarantine store's state machine: hold → (correct) → release | reject, all audited."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.quarantine_tables import QUARANTINE_TABLES
from doorstep.adapters.quarantine_store import (
    NoHandler,
    QuarantineRecord,
    QuarantineStore,
    RecordNotFound,
    RecordNotHeld,
    StillInvalid,
)
from doorstep.bootstrap import make_engine
from doorstep.domain.harmonise.reasons import Reason, ReasonCode

BAD = [Reason(ReasonCode.invalid_postcode, "shipping_address.postcode", "'1' is not valid")]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[QuarantineStore]:
    engine = make_engine(f"sqlite:///{tmp_path}/q.db")
    metadata.create_all(engine, tables=list(QUARANTINE_TABLES))
    yield QuarantineStore(engine)
    engine.dispose()


def _wire(store: QuarantineStore, delivered: list[QuarantineRecord]) -> None:
    def validate(record: QuarantineRecord) -> list[Reason]:
        return [] if "fixed" in record.effective_payload else BAD

    store.register("order", validator=validate, handover=delivered.append)


def test_a_held_record_keeps_reasons_and_original_payload(store: QuarantineStore) -> None:
    """hold stores reasons and payload verbatim and lists the record as held."""
    record_id = store.hold("shopify", "order", "shopify:1", BAD, '{"id": 1}')
    record = store.get(record_id)
    assert (record.status, record.reasons, record.payload) == ("held", BAD, '{"id": 1}')
    assert [r.id for r in store.list()] == [record_id]
    assert [a.action for a in record.audit] == ["hold"]


def test_correct_then_release_hands_the_corrected_payload_over(store: QuarantineStore) -> None:
    """The correction is validated and delivered; the original stays untouched."""
    delivered: list[QuarantineRecord] = []
    _wire(store, delivered)
    record_id = store.hold("shopify", "order", "shopify:1", BAD, "original")
    store.correct(record_id, "fixed", actor="alice", note="postcode typo")
    released = store.release(record_id, actor="bob")
    assert [d.effective_payload for d in delivered] == ["fixed"]
    assert (released.status, released.payload) == ("released", "original")
    assert [(a.action, a.actor) for a in released.audit] == [
        ("hold", "system"), ("correct", "alice"), ("release", "bob")]


def test_release_of_a_still_faulty_record_keeps_it_held(store: QuarantineStore) -> None:
    """Re-validation failing leaves the record held, records the attempt and delivers nothing."""
    delivered: list[QuarantineRecord] = []
    _wire(store, delivered)
    record_id = store.hold("shopify", "order", "shopify:1", BAD, "still bad")
    with pytest.raises(StillInvalid) as raised:
        store.release(record_id, actor="bob")
    assert raised.value.reasons == BAD
    record = store.get(record_id)
    assert record.status == "held" and delivered == []
    assert record.audit[-1].action == "release_refused"


def test_a_failing_handover_leaves_the_record_held(store: QuarantineStore) -> None:
    """If intake refuses, the record is not marked released."""
    def refuse(record: QuarantineRecord) -> None:
        raise StillInvalid(record.id, BAD)

    store.register("order", validator=lambda r: [], handover=refuse)
    record_id = store.hold("shopify", "order", "shopify:1", BAD, "x")
    with pytest.raises(StillInvalid):
        store.release(record_id, actor="bob")
    assert store.get(record_id).status == "held"


def test_released_and_rejected_are_final(store: QuarantineStore) -> None:
    """No second release, no reject after release, no correction after reject."""
    delivered: list[QuarantineRecord] = []
    _wire(store, delivered)
    first = store.hold("shopify", "order", "shopify:1", BAD, "fixed")
    second = store.hold("shopify", "order", "shopify:2", BAD, "bad")
    store.release(first, actor="bob")
    store.reject(second, actor="bob", note="test order")
    with pytest.raises(RecordNotHeld):
        store.release(first, actor="bob")
    with pytest.raises(RecordNotHeld):
        store.reject(first, actor="bob", note="late")
    with pytest.raises(RecordNotHeld):
        store.correct(second, "fixed", actor="bob")
    assert len(delivered) == 1
    assert {r.status for r in store.list(status=None)} == {"released", "rejected"}


def test_reject_requires_a_note_and_release_requires_a_handler(store: QuarantineStore) -> None:
    """A rejection says why; a kind nobody wired cannot be released by accident."""
    record_id = store.hold("dhl-unified", "tracking", "dhl:1", BAD, "x")
    with pytest.raises(ValueError, match="note"):
        store.reject(record_id, actor="bob", note="  ")
    with pytest.raises(NoHandler):
        store.release(record_id, actor="bob")
    with pytest.raises(RecordNotFound):
        store.get(record_id + 100)


def test_holding_without_a_reason_is_refused(store: QuarantineStore) -> None:
    """A record is never quarantined without saying why."""
    with pytest.raises(ValueError, match="reason"):
        store.hold("shopify", "order", "k", [], "x")


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(["correct", "release", "reject"]), max_size=6))
def test_every_action_sequence_leaves_a_consistent_audit_trail(
    store: QuarantineStore, actions: list[str]
) -> None:
    """Whatever is tried, the audit lists each successful step and the status follows it."""
    delivered: list[QuarantineRecord] = []
    _wire(store, delivered)
    record_id = store.hold("csv", "order", "csv:1", BAD, "bad")
    expected = ["hold"]
    for action in actions:
        try:
            if action == "correct":
                store.correct(record_id, "fixed", actor="t")
            elif action == "release":
                store.release(record_id, actor="t")
            else:
                store.reject(record_id, actor="t", note="n")
            expected.append(action)
        except (RecordNotHeld, StillInvalid):
            pass
    record = store.get(record_id)
    assert [a.action for a in record.audit if a.action != "release_refused"] == expected
    final = {"release": "released", "reject": "rejected"}.get(expected[-1], "held")
    assert record.status == final
    assert len(delivered) == (1 if final == "released" else 0)
