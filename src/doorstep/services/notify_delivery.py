"""Sending planned notifications: claim, send outside any transaction, record — at least once.

One row goes through three short steps::

    claim   UPDATE … SET available_at = now + lease, attempts = attempts + 1
            WHERE id = ? AND status = 'pending' AND available_at = <as read>   (commit)
    send    SMTP / HTTP, no database transaction open (a slow server holds no lock)
    record  sent:   status = 'sent', sent_at                                     (commit)
            failed: available_at = now + backoff(attempts), last_error; after the
                    channel's last attempt status = 'dead' (a dead letter operators see)

A worker killed after the server accepted a message but before ``record`` committed leaves
the row claimed; once the lease runs out any worker sends it again with the same
Message-ID / delivery id — the only way a duplicate can arise, and a recognisable one.  The
claim's compare-and-set on ``available_at`` keeps two workers from sending one row at once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, select, update

from doorstep.adapters.db.notify_tables import notifications
from doorstep.adapters.db.uow import transaction
from doorstep.services.events import utcnow

log = logging.getLogger("doorstep.notify")

Sender = Callable[[Mapping[str, Any]], None]
"""Sends one notification row (a mapping of its columns); raises when it was not accepted."""


class PermanentFailure(Exception):
    """The receiver refused the message for good (e.g. HTTP 4xx): no more retries."""


@dataclass(frozen=True, kw_only=True)
class DeliveryPolicy:
    lease_s: float = 60.0
    backoff_base_s: float = 30.0
    backoff_max_s: float = 6 * 3600.0
    max_attempts: Mapping[str, int] | None = None  # per channel; default below

    def attempts_for(self, channel: str) -> int:
        table = {"email": 8, "webhook": 14, "shopify": 10, "woocommerce": 10}
        table.update(self.max_attempts or {})
        return table.get(channel, 10)

    def backoff(self, attempts: int) -> timedelta:
        """30 s, 1 min, 2 min, 4 min … capped at 6 h (AfterShip-like exponential back-off)."""
        return timedelta(seconds=min(self.backoff_base_s * 2 ** max(0, attempts - 1),
                                     self.backoff_max_s))


def _claim(engine: Engine, limit: int, policy: DeliveryPolicy) -> list[dict[str, Any]]:
    claimed: list[dict[str, Any]] = []
    with transaction(engine, write=True) as conn:
        now = utcnow()
        rows = conn.execute(select(notifications).where(
            notifications.c.status == "pending", notifications.c.available_at <= now)
            .order_by(notifications.c.available_at, notifications.c.id).limit(limit)).all()
        for row in rows:
            done = conn.execute(update(notifications).where(
                notifications.c.id == row.id, notifications.c.status == "pending",
                notifications.c.available_at == row.available_at).values(
                available_at=now + timedelta(seconds=policy.lease_s),
                attempts=row.attempts + 1))
            if done.rowcount == 1:
                claimed.append({**row._mapping, "attempts": row.attempts + 1})
    return claimed


def _record(engine: Engine, row: Mapping[str, Any], error: Exception | None,
            policy: DeliveryPolicy) -> str:
    now = utcnow()
    if error is None:
        values: dict[str, Any] = {"status": "sent", "sent_at": now, "last_error": None}
    else:
        text = f"{type(error).__name__}: {error}"[:2000]
        last = (isinstance(error, PermanentFailure)
                or int(row["attempts"]) >= policy.attempts_for(str(row["channel"])))
        values = {"last_error": text, "status": "dead" if last else "pending",
                  "available_at": now + policy.backoff(int(row["attempts"]))}
    with transaction(engine, write=True) as conn:
        conn.execute(update(notifications).where(notifications.c.id == row["id"],
                                                 notifications.c.status == "pending")
                     .values(**values))
    return str(values["status"])


@dataclass(frozen=True)
class SendResult:
    sent: int
    failed: int
    dead: int


def send_due(engine: Engine, senders: Mapping[str, Sender], *, limit: int = 50,
             policy: DeliveryPolicy | None = None) -> SendResult:
    """Claim up to ``limit`` due notifications and send each through its channel."""
    policy = policy or DeliveryPolicy()
    sent = failed = dead = 0
    for row in _claim(engine, limit, policy):
        sender = senders.get(str(row["channel"]))
        error: Exception | None = None
        try:
            if sender is None:
                raise PermanentFailure(f"no sender configured for channel {row['channel']!r}")
            sender(row)
        except Exception as exc:  # any failure is recorded on the row, never lost
            error = exc
            log.warning("notification %s (%s %s) failed: %s", row["id"], row["channel"],
                        row["kind"], exc)
        outcome = _record(engine, row, error, policy)
        sent += outcome == "sent"
        dead += outcome == "dead"
        failed += outcome == "pending"
    return SendResult(sent=sent, failed=failed, dead=dead)


def run_sender(engine: Engine, senders: Mapping[str, Sender], *, stop: threading.Event,
               poll_interval: float = 0.5, policy: DeliveryPolicy | None = None,
               limit: int = 50) -> None:
    """Send until ``stop`` is set; sleeps when nothing is due."""
    while not stop.is_set():
        try:
            result = send_due(engine, senders, limit=limit, policy=policy)
        except Exception:  # the database is away for a moment: wait and try again
            log.exception("notification batch failed; retrying")
            stop.wait(1.0)
            continue
        if result.sent + result.failed + result.dead == 0:
            stop.wait(poll_interval)


def retry_dead(engine: Engine, notification_id: int) -> bool:
    """Give a dead letter another round of attempts (an operator's decision)."""
    with transaction(engine, write=True) as conn:
        done = conn.execute(update(notifications).where(
            notifications.c.id == notification_id, notifications.c.status == "dead")
            .values(status="pending", attempts=0, available_at=utcnow()))
    return bool(done.rowcount)
