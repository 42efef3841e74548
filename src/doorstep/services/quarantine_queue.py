"""The quarantine queue as the cockpit filters it: status, source, reason code, date.

Status, source and dates are filtered by the database (``ix_quarantine_records_status_source``);
the reason code lives in the JSON list of reasons and is matched here, over at most
``SCAN_LIMIT`` newest rows — a queue larger than that needs its source filtered first,
which the page says.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select

from doorstep.adapters.db.quarantine_tables import quarantine_records

SCAN_LIMIT = 5000


def filtered_records(engine: Engine, *, status: str | None = "held", source: str | None = None,
                     reason: str | None = None, created_from: datetime | None = None,
                     created_to: datetime | None = None, limit: int = 200) -> dict[str, Any]:
    """Newest first: id, source, kind, record key, reasons, status, created_at."""
    q = select(quarantine_records.c.id, quarantine_records.c.source, quarantine_records.c.kind,
               quarantine_records.c.record_key, quarantine_records.c.reasons,
               quarantine_records.c.status, quarantine_records.c.created_at)
    if status:
        q = q.where(quarantine_records.c.status == status)
    if source:
        q = q.where(quarantine_records.c.source == source)
    if created_from is not None:
        q = q.where(quarantine_records.c.created_at >= created_from)
    if created_to is not None:
        q = q.where(quarantine_records.c.created_at < created_to)
    with engine.connect() as conn:
        rows = conn.execute(q.order_by(quarantine_records.c.id.desc()).limit(SCAN_LIMIT)).all()
        sources = [str(s) for s in conn.execute(
            select(quarantine_records.c.source).group_by(quarantine_records.c.source)
            .order_by(quarantine_records.c.source)).scalars()]
        total = int(conn.execute(select(func.count()).select_from(quarantine_records).where(
            quarantine_records.c.status == (status or "held"))).scalar() or 0)
    items: list[dict[str, Any]] = []
    codes: set[str] = set()
    for r in rows:
        found = {str(x.get("code")) for x in (r.reasons or [])}
        codes |= found
        if reason and reason not in found:
            continue
        if len(items) < limit:
            items.append({"id": r.id, "source": r.source, "kind": r.kind,
                          "record_key": r.record_key, "reasons": r.reasons or [],
                          "status": r.status, "created_at": r.created_at})
    return {"items": items, "sources": sources, "reason_codes": sorted(codes),
            "scanned": len(rows), "truncated": len(rows) >= SCAN_LIMIT, "total": total}
