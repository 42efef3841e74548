"""Group commit: many concurrent orders in one transaction keep every intake rule."""

from __future__ import annotations

import asyncio

import pytest
from order_builders import order
from sqlalchemy import Engine, Table, create_engine, func, select, text

from doorstep.adapters.db.tables import idempotency_keys, orders, outbox
from doorstep.bootstrap import make_engine
from doorstep.domain.errors import DomainError
from doorstep.services.intake import (
    DuplicateOrder,
    IdempotencyConflict,
    IntakeRequest,
    IntakeResult,
    accept_orders,
)
from doorstep.services.intake_batcher import IntakeBatcher


def count(engine: Engine, table: Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar() or 0)


def test_a_batch_with_repeats_stores_each_order_once_and_answers_each_request(
        stocked: Engine) -> None:
    """In one batch: a replay, a conflicting reuse and a twin are told apart correctly."""
    first = IntakeRequest.of(order("B1", ("PEN", 1)), "k1")
    outcomes = accept_orders(stocked, [
        first,
        IntakeRequest.of(order("B1", ("PEN", 1)), "k1"),   # same key, same body: replay
        IntakeRequest.of(order("B1", ("PEN", 2)), "k1"),   # same key, other body: conflict
        IntakeRequest.of(order("B1", ("PEN", 1)), "k2"),   # new key, same order number: twin
        IntakeRequest.of(order("B2", ("PEN", 1)), "k3"),   # a different order
    ])
    stored, replay, conflict, twin, other = outcomes
    assert isinstance(stored, IntakeResult) and not stored.replayed
    assert isinstance(replay, IntakeResult) and replay.replayed
    assert replay.response == stored.response
    assert isinstance(conflict, IdempotencyConflict) and conflict.order_id == stored.order_id
    assert isinstance(twin, DuplicateOrder) and twin.order_id == stored.order_id
    assert isinstance(other, IntakeResult) and not other.replayed
    assert (count(stocked, orders), count(stocked, idempotency_keys), count(stocked, outbox)) \
        == (2, 2, 2 + 3)  # + the fixture's three stock messages


def test_concurrent_submissions_are_group_committed_and_each_gets_its_answer(
        stocked: Engine) -> None:
    """200 orders submitted at once all come back 201-equivalent, each stored once."""
    batcher = IntakeBatcher(stocked, max_batch=64)

    async def burst() -> list[IntakeResult]:
        return await asyncio.gather(*(batcher.submit(IntakeRequest.of(
            order(f"C{n}", ("PEN", 1)), f"c{n}")) for n in range(200)))

    try:
        results = asyncio.run(burst())
    finally:
        batcher.stop()
    assert len({r.order_id for r in results}) == 200
    assert count(stocked, orders) == 200


def test_a_request_that_breaks_a_rule_gets_its_own_error(stocked: Engine) -> None:
    """A conflicting request in a burst raises for that caller only."""
    batcher = IntakeBatcher(stocked)

    async def burst() -> list[IntakeResult | BaseException]:
        return await asyncio.gather(
            batcher.submit(IntakeRequest.of(order("D1", ("PEN", 1)), "d")),
            batcher.submit(IntakeRequest.of(order("D1", ("PEN", 3)), "d")),
            return_exceptions=True)

    try:
        a, b = asyncio.run(burst())
    finally:
        batcher.stop()
    assert sum(isinstance(x, IntakeResult) for x in (a, b)) == 1
    assert sum(isinstance(x, IdempotencyConflict) for x in (a, b)) == 1


def test_when_the_database_is_unreachable_every_waiting_request_learns_it(
        tmp_path: object) -> None:
    """No table, no answer: each caller gets the error; nothing is reported as stored."""
    broken = create_engine(f"sqlite:///{tmp_path}/empty.db")
    batcher = IntakeBatcher(broken)

    async def burst() -> list[IntakeResult | BaseException]:
        return await asyncio.gather(*(batcher.submit(IntakeRequest.of(
            order(f"E{n}", ("PEN", 1)), f"e{n}")) for n in range(5)), return_exceptions=True)

    try:
        outcomes = asyncio.run(burst())
    finally:
        batcher.stop()
        broken.dispose()
    assert all(isinstance(o, Exception) and not isinstance(o, DomainError) for o in outcomes)


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="doorstep.intake")


@pytest.mark.postgres
def test_after_the_database_drops_the_writers_connection_the_next_order_is_still_accepted(
        migrated_postgres_url: str) -> None:
    """The writer keeps its connection without pinging it: when PostgreSQL ends that session
    (a restart, a failover, an idle timeout), the next batch reconnects and succeeds instead
    of answering the waiting shops with an error."""
    engine = make_engine(migrated_postgres_url)
    batcher = IntakeBatcher(engine)

    async def place(n: int) -> IntakeResult:
        return await batcher.submit(IntakeRequest.of(order(f"R{n}", ("PEN", 1)), f"r{n}"))

    try:
        first = asyncio.run(place(1))
        with engine.connect() as conn:
            ended = conn.execute(text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()")).scalar_one()
        assert ended >= 1
        second = asyncio.run(place(2))
    finally:
        batcher.stop()
        engine.dispose()
    assert not first.replayed and not second.replayed
    engine = make_engine(migrated_postgres_url)
    try:
        assert count(engine, orders) == 2
    finally:
        engine.dispose()
