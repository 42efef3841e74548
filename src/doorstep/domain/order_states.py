"""The order state machine.

    received ──► allocated ──► released ──► picking ──► packed ──► shipped ──► delivered
        │           ▲  │           │           │           │
        └──► backordered ◄─────────┴───────────┘ (short pick)   └──► partially_shipped ──► shipped
    cancelled: from any state before shipped (received … packed).

``backordered`` means at least one line is not fully reserved; what is reserved stays
reserved (partial allocation).  ``partially_shipped`` means some units left in a parcel and
the rest follow.  Any other move raises ``InvalidTransition``.
"""

from __future__ import annotations

from enum import StrEnum

from doorstep.domain.errors import InvalidTransition


class OrderStatus(StrEnum):
    RECEIVED = "received"
    ALLOCATED = "allocated"
    BACKORDERED = "backordered"
    RELEASED = "released"
    PICKING = "picking"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


S = OrderStatus
TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.RECEIVED: frozenset({S.ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    S.BACKORDERED: frozenset({S.ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.RELEASED, S.BACKORDERED, S.CANCELLED}),
    S.RELEASED: frozenset({S.PICKING, S.ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    S.PICKING: frozenset({S.PACKED, S.BACKORDERED, S.CANCELLED}),
    S.PACKED: frozenset({S.SHIPPED, S.PARTIALLY_SHIPPED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.PARTIALLY_SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}



def may_become(*targets: OrderStatus) -> frozenset[OrderStatus]:
    """The states from which the machine allows a move to any of ``targets``."""
    return frozenset(s for s, allowed in TRANSITIONS.items() if allowed & set(targets))


CANCELLABLE = may_become(S.CANCELLED)


def check_transition(order_id: str, current: OrderStatus | str, target: OrderStatus) -> None:
    """Raise ``InvalidTransition`` unless ``current → target`` is an edge of the machine."""
    if target not in TRANSITIONS[OrderStatus(current)]:
        raise InvalidTransition(order_id, str(current), str(target))
