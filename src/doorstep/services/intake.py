"""Order intake: accept orders durably, exactly once, and fast.

One write transaction stores each order, its lines, the ``received`` event, an
``order.accepted`` outbox message and the idempotency record with the exact response body.
Allocation happens later in the worker, so a burst never makes intake wait for stock locks.

Idempotency rules (``Idempotency-Key``, remembered per credential — ``scope`` — so one
client's key never answers, or names an order of, another client):
  same key, same body      → the original 201 response, replayed
  same key, other body     → ``IdempotencyConflict`` (409) — except that a body which
                             differs only by an ``order_number`` the stored order lacks
                             is the same order (a shop re-sending what it sent before
                             doorstep read that field): replayed, the number not added
  new key, but the channel already has this ``external_id`` → ``DuplicateOrder`` (409,
  naming the existing order), so a shop retrying with a fresh key cannot create a twin.

Speed: ``accept_orders`` takes a whole batch in one transaction — one look-up for all keys
and external ids, then the rows of every table at once (an ``executemany`` per table on
SQLite, one statement for all tables on PostgreSQL: ``adapters.db.bulk_insert``) — so the
cost per order is a few microseconds of SQL instead of nine statements (see
``intake_batcher`` for group commit).
One bad order hurts only itself: when a batch fails for any reason but an outage, it is
redone in one transaction with a savepoint per order.  An order the database refuses gets
``UnstorableOrder`` (see ``unstorable``); its neighbours are stored and committed together.
If a concurrent writer in another process wins a race for a key, the UNIQUE constraints
reject the batch, and in the redo that order's look-up finds the winner and answers as for
any repeat — so the rules above hold under any race.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Connection, Engine, literal, null, select, union_all
from sqlalchemy.exc import IntegrityError

from doorstep.adapters.db.bulk_insert import insert_many
from doorstep.adapters.db.identity_tables import audit_log
from doorstep.adapters.db.tables import (
    idempotency_keys,
    order_events,
    order_lines,
    orders,
    outbox,
)
from doorstep.adapters.db.uow import transaction
from doorstep.domain.errors import DomainError
from doorstep.domain.ids import new_id
from doorstep.domain.order_states import OrderStatus
from doorstep.schemas.orders import OrderIn
from doorstep.services.events import Topic, utcnow
from doorstep.services.unstorable import UnstorableOrder, is_outage, is_record_fault

log = logging.getLogger("doorstep.intake")


class IdempotencyConflict(DomainError):
    def __init__(self, key: str, order_id: str) -> None:
        super().__init__(
            f"Idempotency-Key {key!r} was already used with a different body (order {order_id})"
        )
        self.key = key
        self.order_id = order_id


class DuplicateOrder(DomainError):
    def __init__(self, channel: str, external_id: str, order_id: str) -> None:
        super().__init__(
            f"channel {channel!r} already has an order with external_id {external_id!r}: "
            f"{order_id}"
        )
        self.order_id = order_id


@dataclass(frozen=True)
class IntakeResult:
    order_id: str
    response: dict[str, Any]
    replayed: bool


@dataclass(frozen=True)
class IntakeRequest:
    """One order to accept.  ``scope`` is the credential the key belongs to (empty for
    doorstep's own importers, whose keys are ``<profile>:<order id>``); ``actor`` is who
    placed it, for the timeline and the audit trail."""

    order: OrderIn
    key: str
    digest: str
    now: datetime
    scope: str = ""
    actor: str | None = None
    correlation_id: str | None = None

    @classmethod
    def of(cls, order: OrderIn, key: str, now: datetime | None = None, *, scope: str = "",
           actor: str | None = None, correlation_id: str | None = None) -> IntakeRequest:
        return cls(order=order, key=key, digest=request_hash(order), now=now or utcnow(),
                   scope=scope, actor=actor, correlation_id=correlation_id)

    @property
    def stored_key(self) -> str:
        return f"{self.scope}|{self.key}" if self.scope else self.key

    @property
    def placed_by(self) -> str:
        return self.actor or f"channel:{self.order.channel}"


# Per request: the stored (or replayed) order, the rule it broke, or — for a server fault
# that struck this order alone during the one-by-one redo — the exception itself.
Outcome = IntakeResult | DomainError | Exception


# Fields added to OrderIn after orders were stored: left out of the fingerprint while unset,
# so every body that could be sent before they existed keeps the fingerprint it had then.
_LATER_FIELDS = frozenset({"order_number"})


def request_hash(order: OrderIn) -> str:
    """A stable fingerprint of the validated body.

    Pydantic serialises the model in declaration order with defaults filled in, so two
    bodies that mean the same order (key order, whitespace, omitted defaults) get the same
    fingerprint, and it runs in pydantic-core rather than in Python.  A later field counts
    only when set (``_LATER_FIELDS``): the fingerprints stored before it existed stay valid.
    """
    unset = {name for name in _LATER_FIELDS if getattr(order, name) is None}
    return hashlib.sha256(order.model_dump_json(exclude=unset or None).encode()).hexdigest()


def earlier_hash(order: OrderIn) -> str | None:
    """The fingerprint this order had before ``order_number`` existed, when it carries one.

    A shop re-sending an order accepted before the upgrade now maps the shop's number too
    (Shopify's ``name``), though nothing about the order changed: its stored fingerprint is
    this one, and the re-send is a repeat, not a different body.
    """
    if order.order_number is None:
        return None
    return request_hash(order.model_copy(update={"order_number": None}))


def accept_order(
    engine: Engine, order: OrderIn, idempotency_key: str, *, now: datetime | None = None,
    scope: str = "", actor: str | None = None,
) -> IntakeResult:
    """Store ``order`` once under ``idempotency_key`` and return the 201 response body."""
    request = IntakeRequest.of(order, idempotency_key, now, scope=scope, actor=actor)
    (outcome,) = accept_orders(engine, [request])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def accept_orders(bind: Engine | Connection, requests: Sequence[IntakeRequest]
                  ) -> list[Outcome]:
    """Accept a batch in one transaction; per request a result or the error it earned.

    ``bind`` is an engine (a pooled connection per call) or a connection the caller keeps.
    Raises only for an outage (the database unreachable or the connection lost), which
    every request of the batch shares.
    """
    try:
        with transaction(bind, write=True) as conn:
            return _accept_batch(conn, requests)
    except Exception as exc:
        if is_outage(exc):
            raise
        log.info("intake batch of %d failed (%s); storing its orders one by one",
                 len(requests), type(exc).__name__)
    with transaction(bind, write=True) as conn:
        return [_accept_alone(conn, r) for r in requests]


def _accept_alone(conn: Connection, request: IntakeRequest) -> Outcome:
    """One order in a savepoint of the redo transaction, so its failure is its own."""
    raced = False
    while True:
        try:
            with conn.begin_nested():
                (outcome,) = _accept_batch(conn, [request])
            return outcome
        except IntegrityError as exc:
            if not raced:
                # Most likely another process committed this key or external id between
                # our look-up and our insert: look again, and answer as for any repeat.
                raced = True
                continue
            log.warning("order under key %r refused by the database", request.key,
                        exc_info=True)
            return UnstorableOrder.of(request.order, exc)
        except Exception as exc:
            if is_outage(exc):
                raise
            if is_record_fault(exc):
                log.warning("order under key %r refused by the database: %s", request.key,
                            type(exc).__name__)
                return UnstorableOrder.of(request.order, exc)
            log.exception("storing the order under key %r failed", request.key)
            return exc


@dataclass
class _Rows:
    orders: list[dict[str, Any]]
    lines: list[dict[str, Any]]
    events: list[dict[str, Any]]
    outbox: list[dict[str, Any]]
    keys: list[dict[str, Any]]
    audit: list[dict[str, Any]]


def _look_up(conn: Connection, requests: Sequence[IntakeRequest]
             ) -> tuple[dict[str, tuple[str, str, Any]], dict[tuple[str, str], str]]:
    """Keys already used and channel order numbers already taken, in one round trip.

    One ``UNION ALL`` rather than two queries: on PostgreSQL each query is a round trip to
    another process, which on a busy machine costs milliseconds of waiting each.
    """
    no_json = null().cast(JSON)
    used = select(literal("key").label("kind"), idempotency_keys.c.key.label("a"),
                  idempotency_keys.c.request_hash.label("b"),
                  idempotency_keys.c.order_id.label("c"), idempotency_keys.c.response
                  ).where(idempotency_keys.c.key.in_({r.stored_key for r in requests}))
    # channel first: the UNIQUE (channel, external_id) index answers this without a scan
    taken = select(literal("order"), orders.c.channel, orders.c.external_id, orders.c.id,
                   no_json).where(
        orders.c.channel.in_({r.order.channel for r in requests}),
        orders.c.external_id.in_({r.order.external_id for r in requests}))
    known: dict[str, tuple[str, str, Any]] = {}
    twins: dict[tuple[str, str], str] = {}
    for row in conn.execute(union_all(used, taken)):
        if row.kind == "key":
            known[row.a] = (row.b, row.c, row.response)
        else:
            twins[(row.a, row.b)] = row.c
    return known, twins


def _accept_batch(conn: Connection, requests: Sequence[IntakeRequest]) -> list[Outcome]:
    known, twins = _look_up(conn, requests)
    rows = _Rows([], [], [], [], [], [])
    outcomes: list[Outcome] = []
    for r in requests:
        seen = known.get(r.stored_key)
        if seen is not None:
            digest, order_id, response = seen
            same = digest == r.digest or digest == earlier_hash(r.order)
            outcomes.append(IntakeResult(order_id, response, replayed=True)
                            if same else IdempotencyConflict(r.key, order_id))
            continue
        twin = twins.get((r.order.channel, r.order.external_id))
        if twin is not None:
            outcomes.append(DuplicateOrder(r.order.channel, r.order.external_id, twin))
            continue
        result = _add(rows, r)
        known[r.stored_key] = (r.digest, result.order_id, result.response)
        twins[(r.order.channel, r.order.external_id)] = result.order_id
        outcomes.append(result)
    if rows.orders:
        insert_many(conn, [(orders, rows.orders), (order_lines, rows.lines),
                           (order_events, rows.events), (outbox, rows.outbox),
                           (idempotency_keys, rows.keys), (audit_log, rows.audit)])
    return outcomes


def _add(rows: _Rows, r: IntakeRequest) -> IntakeResult:
    order, now = r.order, r.now
    order_id = new_id("ord")
    rows.orders.append({
        "id": order_id, "external_id": order.external_id, "order_number": order.order_number,
        "channel": order.channel, "status": OrderStatus.RECEIVED.value, "warehouse": None,
        "currency": order.currency,
        "shipping_price": order.shipping_price, "priority": order.priority,
        "carrier_service": order.carrier_service,
        "customer": order.customer.model_dump(mode="json"),
        "shipping_address": order.shipping_address.model_dump(mode="json"),
        "placed_at": order.placed_at, "accepted_at": now, "updated_at": now,
        "content_hash": r.digest,
    })
    rows.lines.extend({
        "order_id": order_id, "line_no": n, "sku": line.sku, "name": line.name,
        "quantity": line.quantity, "unit_price": line.unit_price,
    } for n, line in enumerate(order.lines, start=1))
    rows.events.append({
        "order_id": order_id, "at": now, "type": "received", "actor": r.placed_by,
        "data": {"external_id": order.external_id},
    })
    rows.audit.append({
        "at": now, "actor": r.placed_by, "action": "order.create", "object_type": "order",
        "object_id": order_id, "correlation_id": r.correlation_id,
        "detail": {"channel": order.channel, "external_id": order.external_id},
    })
    rows.outbox.append({
        "topic": Topic.ORDER_ACCEPTED.value, "key": order_id, "payload": {"order_id": order_id},
        "created_at": now, "available_at": now,
    })
    response = {
        "id": order_id,
        "external_id": order.external_id,
        "channel": order.channel,
        "status": OrderStatus.RECEIVED.value,
        "accepted_at": now.isoformat(),
        "lines": [{"line_no": n, "sku": line.sku, "quantity": line.quantity}
                  for n, line in enumerate(order.lines, start=1)],
    }
    rows.keys.append({"key": r.stored_key, "request_hash": r.digest, "order_id": order_id,
                      "response": response, "created_at": now})
    return IntakeResult(order_id=order_id, response=response, replayed=False)
