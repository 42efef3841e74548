"""One order the database refuses hurts only itself, in a group commit on either database.

The poisoned orders are built past validation (``model_copy`` skips it), so these tests hold
whatever the request model refuses on its own: they are about what the database refuses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from order_builders import order
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.tables import idempotency_keys, orders, outbox
from doorstep.schemas.orders import OrderIn
from doorstep.services.intake import IntakeRequest, IntakeResult, accept_orders
from doorstep.services.intake_batcher import IntakeBatcher
from doorstep.services.unstorable import UnstorableOrder

GOOD = 40
ROUNDS = 10


def nul_in_external_id(n: str) -> OrderIn:
    """PostgreSQL cannot store NUL in text (SQLite can)."""
    return order(n, ("PEN", 1)).model_copy(update={"external_id": f"{n}\x00x"})


def zero_quantity(n: str) -> OrderIn:
    """The CHECK (quantity > 0) on order lines refuses it on both databases."""
    base = order(n, ("PEN", 1))
    return base.model_copy(update={"lines": [base.lines[0].model_copy(update={"quantity": 0})]})


def huge_priority(n: str) -> OrderIn:
    """Beyond the integer column: PostgreSQL raises DataError, SQLite's driver OverflowError."""
    return order(n, ("PEN", 1)).model_copy(update={"priority": 2 ** 63})


def poisons(engine: Engine) -> list[tuple[Callable[[str], OrderIn], str]]:
    found = [(zero_quantity, "body"), (huge_priority, "priority")]
    if engine.dialect.name == "postgresql":
        found.append((nul_in_external_id, "external_id"))
    return found


def stored(engine: Engine, table: object = orders) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[arg-type]


def test_three_refused_orders_among_forty_fail_alone_in_every_round(engine: Engine) -> None:
    """Ten rounds of 40 good and 3 refused orders in one batch: all 400 good ones are stored
    and answered, each refused one gets its own error naming the offending field."""
    kinds = poisons(engine)
    for rnd in range(ROUNDS):
        requests = [IntakeRequest.of(order(f"G{rnd}-{n}", ("PEN", 1)), f"g{rnd}-{n}")
                    for n in range(GOOD)]
        bad_at = {5: 0, 17: 1, 38: rnd % len(kinds)}
        for slot, kind in sorted(bad_at.items()):
            make, _ = kinds[kind]
            requests.insert(slot, IntakeRequest.of(make(f"B{rnd}-{slot}"), f"b{rnd}-{slot}"))
        outcomes = accept_orders(engine, requests)
        for slot, outcome in enumerate(outcomes):
            if slot in bad_at:
                assert isinstance(outcome, UnstorableOrder), (slot, outcome)
                assert outcome.field == kinds[bad_at[slot]][1]
            else:
                assert isinstance(outcome, IntakeResult) and not outcome.replayed, outcome
    assert stored(engine) == GOOD * ROUNDS
    assert stored(engine, idempotency_keys) == GOOD * ROUNDS
    assert stored(engine, outbox) == GOOD * ROUNDS


def test_a_refused_order_leaves_nothing_behind_and_its_key_stays_free(engine: Engine) -> None:
    """The refused order stores no row under its key: the corrected body is accepted with
    the same key afterwards, and a good order of the same batch replays normally."""
    good = IntakeRequest.of(order("OK-1", ("PEN", 1)), "ok-1")
    bad = IntakeRequest.of(zero_quantity("FIX-1"), "fix-1")
    first = accept_orders(engine, [good, bad])
    assert isinstance(first[1], UnstorableOrder)
    again = accept_orders(engine, [good, IntakeRequest.of(order("FIX-1", ("PEN", 1)), "fix-1")])
    assert isinstance(again[0], IntakeResult) and again[0].replayed
    assert isinstance(first[0], IntakeResult) and again[0].order_id == first[0].order_id
    assert isinstance(again[1], IntakeResult) and not again[1].replayed
    assert stored(engine) == 2


def test_a_burst_through_the_batcher_answers_good_orders_201_and_refused_ones_422(
        engine: Engine) -> None:
    """Submitted concurrently (so they share group commits), good orders all succeed and each
    refused order raises its own UnstorableOrder — the 422 the API turns it into."""
    batcher = IntakeBatcher(engine, max_batch=64)
    make = poisons(engine)[-1][0]  # NUL on PostgreSQL, a huge priority on SQLite

    async def burst() -> list[IntakeResult | BaseException]:
        submissions = []
        for n in range(GOOD + 3):
            body = make(f"P{n}") if n % 14 == 3 else order(f"P{n}", ("PEN", 1))
            submissions.append(batcher.submit(IntakeRequest.of(body, f"p{n}")))
        return await asyncio.gather(*submissions, return_exceptions=True)

    try:
        outcomes = asyncio.run(burst())
    finally:
        batcher.stop()
    refused = [n for n, o in enumerate(outcomes) if isinstance(o, UnstorableOrder)]
    assert refused == [3, 17, 31]
    assert all(isinstance(o, IntakeResult) for n, o in enumerate(outcomes) if n not in refused)
    assert stored(engine) == GOOD


@pytest.fixture(autouse=True)
def _quiet_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("CRITICAL", logger="doorstep.intake")
