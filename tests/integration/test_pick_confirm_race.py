"""Two pickers confirming the same pick task at once: exactly one wins, on PostgreSQL too.

Confirmation locks the task's order, reads the task under that lock and updates it only
while ``status = 'open'``; reading the task before locking let both confirmations pass.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from order_builders import api_client, drain, order
from sqlalchemy import Engine, func, select

from doorstep.adapters.db.picking_tables import pick_tasks
from doorstep.adapters.db.tables import stock_moves
from doorstep.adapters.db.uow import transaction
from doorstep.adapters.layout_file import layout_from_data
from doorstep.domain.errors import InvalidTransition
from doorstep.services.intake import accept_order
from doorstep.services.sites import DEMO_LAYOUT
from doorstep.services.waves import WaveSite, confirm_pick, release_wave

LAYOUT = {"kind": "rectangular", "name": "test", "aisles": 10, "aisle_length": 20.0,
          "aisle_spacing": 3.0, "cross_aisles": 2, "cross_aisle_width": 2.0, "slot_pitch": 1.0,
          "levels": 4, "depot": {"aisle": 1}}
NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
SITE = WaveSite(warehouse="BER", layout=layout_from_data(LAYOUT))


def one_open_task(engine: Engine) -> int:
    accept_order(engine, order("R1", ("MUG", 2)), "k-r1")
    drain(engine)
    with transaction(engine, write=True) as conn:
        wave = release_wave(conn, SITE, now=NOW)
    return int(wave["pick_lists"][0]["lines"][0]["task_id"])


def test_of_two_overlapping_confirmations_exactly_one_wins(stocked: Engine) -> None:
    """The first picker's transaction is still open when the second confirms the same task:
    the second waits for it and is then refused; the units leave stock once."""
    task_id = one_open_task(stocked)
    first_confirmed = threading.Event()
    second_started = threading.Event()
    outcomes: dict[str, str] = {}

    def first() -> None:
        with transaction(stocked, write=True) as conn:
            confirm_pick(conn, SITE, task_id, 2, actor="picker-1", now=NOW)
            first_confirmed.set()
            second_started.wait(timeout=10)  # keep the lock while the second one starts
        outcomes["first"] = "picked"

    def second() -> None:
        first_confirmed.wait(timeout=10)
        second_started.set()
        try:
            with transaction(stocked, write=True) as conn:
                confirm_pick(conn, SITE, task_id, 2, actor="picker-2", now=NOW)
            outcomes["second"] = "picked"
        except InvalidTransition as exc:
            outcomes["second"] = f"refused: {exc.current}"

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert outcomes == {"first": "picked", "second": "refused: picked"}
    with stocked.connect() as conn:
        picks = conn.execute(select(func.sum(stock_moves.c.quantity))
                             .where(stock_moves.c.kind == "pick")).scalar()
        status = conn.execute(select(pick_tasks.c.status, pick_tasks.c.confirmed_by)
                              .where(pick_tasks.c.id == task_id)).one()
    assert picks == 2
    assert tuple(status) == ("picked", "picker-1")


@pytest.mark.parametrize("pickers", [6])
def test_many_simultaneous_confirmations_of_one_task_give_one_pick(
        stocked: Engine, pickers: int) -> None:
    """Six pickers released together on one task: one confirmation, five refusals."""
    task_id = one_open_task(stocked)
    start = threading.Barrier(pickers)
    results: list[str] = []
    lock = threading.Lock()

    def pick(n: int) -> None:
        start.wait(timeout=10)
        try:
            with transaction(stocked, write=True) as conn:
                confirm_pick(conn, SITE, task_id, 2, actor=f"picker-{n}", now=NOW)
            outcome = "picked"
        except InvalidTransition:
            outcome = "refused"
        with lock:
            results.append(outcome)

    threads = [threading.Thread(target=pick, args=(n,)) for n in range(pickers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(results) == ["picked"] + ["refused"] * (pickers - 1)
    with stocked.connect() as conn:
        assert conn.execute(select(func.sum(stock_moves.c.quantity))
                            .where(stock_moves.c.kind == "pick")).scalar() == 2


def test_confirming_a_confirmed_task_over_http_is_a_409_naming_its_state(
        stocked: Engine) -> None:
    """The API answers the second confirmation with problem+json and the task's state."""
    accept_order(stocked, order("H1", ("MUG", 1)), "k-h1")
    drain(stocked)
    with api_client(stocked, layout_path=str(DEMO_LAYOUT)) as client:
        wave = client.post("/v1/waves", json={}).json()
        task = wave["pick_lists"][0]["lines"][0]["task_id"]
        assert client.post(f"/v1/pick-tasks/{task}/confirm", json={"picked": 1}).status_code \
            == 200
        again = client.post(f"/v1/pick-tasks/{task}/confirm", json={"picked": 1})
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")
    assert again.json()["current_status"] == "picked"
