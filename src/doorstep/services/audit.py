"""The audit trail: who changed what, when, and under which request.

Written in the same transaction as the change it describes, so the trail and the data
never disagree.  ``actor`` comes from the credential (``Principal.actor``), never from a
request body; ``correlation_id`` ties the row to the access-log line of the request.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from doorstep.adapters.db.identity_tables import audit_log
from doorstep.services.events import utcnow


@dataclass(frozen=True, slots=True)
class AuditEntry:
    actor: str
    action: str
    object_type: str
    object_id: str
    correlation_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    at: datetime | None = None

    def row(self) -> dict[str, Any]:
        return {"at": self.at or utcnow(), "actor": self.actor[:140], "action": self.action,
                "object_type": self.object_type, "object_id": self.object_id[:200],
                "correlation_id": self.correlation_id, "detail": self.detail}


def record(conn: Connection, entry: AuditEntry) -> None:
    conn.execute(insert(audit_log).values(**entry.row()))


def record_many(conn: Connection, entries: Sequence[AuditEntry]) -> None:
    if entries:
        conn.execute(insert(audit_log), [e.row() for e in entries])


def trail(conn: Connection, object_type: str, object_id: str) -> list[dict[str, Any]]:
    """The audit rows of one object, oldest first."""
    rows = conn.execute(select(audit_log).where(audit_log.c.object_type == object_type,
                                                audit_log.c.object_id == object_id)
                        .order_by(audit_log.c.id)).all()
    return [{"at": r.at.isoformat(), "actor": r.actor, "action": r.action,
             "correlation_id": r.correlation_id, "detail": r.detail} for r in rows]
