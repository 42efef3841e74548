"""The customer's way in: one unguessable token per order, and the lookup by what they know.

A token is 32 random bytes (``secrets.token_urlsafe``, 43 characters): it is not derived from
the order id, so it cannot be guessed from an order number, and it can be revoked — a
revoked token answers like an unknown one and the order gets a new token, which the next
notification carries.  The lookup (order number + e-mail address or postcode) returns the
token only when both match; "wrong" and "unknown" give the same answer.  The order number is
the one the customer knows from the shop ("#1001", with or without the "#") or the shop's
order id (``external_id``), which is what the customer was shown when the shop sent no number.
"""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import Connection, bindparam, insert, or_, select, update

from doorstep.adapters.db.notify_tables import tracking_links
from doorstep.adapters.db.tables import orders
from doorstep.domain.order_numbers import order_number_forms
from doorstep.services.events import utcnow

TOKEN_BYTES = 32


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def ensure_token(conn: Connection, order_id: str) -> str:
    """The order's current token, made now if it has none (call inside a write transaction)."""
    current = active_token(conn, order_id)
    if current is not None:
        return current
    token = new_token()
    conn.execute(insert(tracking_links).values(token=token, order_id=order_id,
                                               created_at=utcnow()))
    return token


def active_token(conn: Connection, order_id: str) -> str | None:
    row = conn.execute(select(tracking_links.c.token).where(
        tracking_links.c.order_id == order_id, tracking_links.c.revoked_at.is_(None))
        .order_by(tracking_links.c.created_at.desc()).limit(1)).first()
    return None if row is None else str(row.token)


def revoke(conn: Connection, order_id: str) -> str:
    """Revoke every token of the order and return its new one."""
    conn.execute(update(tracking_links).where(tracking_links.c.order_id == order_id,
                                              tracking_links.c.revoked_at.is_(None))
                 .values(revoked_at=utcnow()))
    return ensure_token(conn, order_id)


_BY_TOKEN = select(tracking_links.c.order_id).where(
    tracking_links.c.token == bindparam("token"), tracking_links.c.revoked_at.is_(None))


def order_for_token(conn: Connection, token: str) -> str | None:
    """The order a live token belongs to, or None (unknown and revoked alike)."""
    if not 20 <= len(token) <= 64:
        return None
    row = conn.execute(_BY_TOKEN, {"token": token}).first()
    return None if row is None else str(row.order_id)


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def _postcode(value: str) -> str:
    return "".join(value.split()).upper()


def find_order(conn: Connection, order_number: str, contact: str) -> str | None:
    """The order whose shop order number (or order id) is ``order_number`` and whose customer
    e-mail or delivery postcode is ``contact``; None when none (or the contact does not
    match)."""
    number = order_number.strip().lstrip("#")
    given = contact.strip()
    if not number or not given or len(number) > 100 or len(given) > 254:
        return None
    forms = order_number_forms(order_number)
    rows = conn.execute(select(orders.c.id, orders.c.customer, orders.c.shipping_address)
                        .where(or_(orders.c.external_id.in_({number, order_number.strip()}),
                                   orders.c.order_number.in_(forms)))
                        .limit(20)).all()
    for row in rows:
        email = str((row.customer or {}).get("email") or "")
        postcode = str((row.shipping_address or {}).get("postcode") or "")
        if "@" in given:
            if email and _same(email.casefold(), given.casefold()):
                return str(row.id)
        elif postcode and _same(_postcode(postcode), _postcode(given)):
            return str(row.id)
    return None
