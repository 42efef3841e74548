"""The order state machine."""

from __future__ import annotations

from itertools import pairwise

import pytest
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.errors import InvalidTransition
from doorstep.domain.order_states import CANCELLABLE, TRANSITIONS, OrderStatus, check_transition

HAPPY_PATH = ["received", "allocated", "released", "picking", "packed", "shipped", "delivered"]


def test_the_happy_path_is_a_chain_of_allowed_moves() -> None:
    """received → allocated → released → picking → packed → shipped → delivered is allowed."""
    for current, target in pairwise(HAPPY_PATH):
        check_transition("o1", current, OrderStatus(target))


def test_orders_can_be_cancelled_exactly_until_they_ship() -> None:
    """Every state before shipping may cancel; shipped, delivered and cancelled may not."""
    assert {s.value for s in CANCELLABLE} == {
        "received", "allocated", "backordered", "released", "picking", "packed"}


@given(st.sampled_from(list(OrderStatus)), st.sampled_from(list(OrderStatus)))
def test_any_move_off_the_table_raises_a_typed_error(current: OrderStatus,
                                                     target: OrderStatus) -> None:
    """A transition is allowed exactly when the table lists it; otherwise InvalidTransition."""
    if target in TRANSITIONS[current]:
        check_transition("o1", current, target)
    else:
        with pytest.raises(InvalidTransition) as err:
            check_transition("o1", current, target)
        assert err.value.current == current.value and err.value.target == target.value


def test_delivered_and_cancelled_are_final() -> None:
    """Nothing leaves a final state."""
    assert TRANSITIONS[OrderStatus.DELIVERED] == frozenset()
    assert TRANSITIONS[OrderStatus.CANCELLED] == frozenset()
