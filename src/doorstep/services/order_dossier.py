"""Everything staff need about one order on one page: the order view plus what happened
to its stock, its picks, its parcels, its promises, its messages and who did what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from doorstep.adapters.db.cockpit_tables import watchlist_marks
from doorstep.adapters.db.notify_tables import notifications
from doorstep.adapters.db.picking_tables import pick_tasks
from doorstep.adapters.db.tables import reservations, shipments, tracking_events
from doorstep.domain.harmonise.tracking import normalise_tracking_number
from doorstep.services.order_views import order_view

PROMISE_EVENTS = ("promise", "promise.revised")
MACHINES = ("carrier:", "promise-engine", "worker", "system", "allocat", "notif")


def order_dossier(conn: Connection, order_id: str) -> dict[str, Any]:
    """The order view (raises NotFound) with reservations, picks, parcels and their scans,
    promise revisions, the customer notifications (planned, sent, failed) and the audit
    trail (people, not machines)."""
    view = order_view(conn, order_id)
    view["reservations"] = [dict(r._mapping) for r in conn.execute(
        select(reservations.c.sku, reservations.c.location, reservations.c.quantity)
        .where(reservations.c.order_id == order_id).order_by(reservations.c.id))]
    view["picks"] = [dict(r._mapping) for r in conn.execute(
        select(pick_tasks.c.wave_id, pick_tasks.c.sku, pick_tasks.c.location,
               pick_tasks.c.quantity, pick_tasks.c.picked, pick_tasks.c.status,
               pick_tasks.c.confirmed_by)
        .where(pick_tasks.c.order_id == order_id).order_by(pick_tasks.c.id))]
    parcels = []
    for s in conn.execute(select(shipments).where(shipments.c.order_id == order_id)
                          .order_by(shipments.c.id)):
        numbers = {s.tracking_number, normalise_tracking_number(s.tracking_number)}
        scans = conn.execute(select(tracking_events).where(
            tracking_events.c.tracking_number.in_(numbers))
            .order_by(tracking_events.c.occurred_at.desc())).all()
        parcels.append({"carrier": s.carrier, "tracking_number": s.tracking_number,
                        "shipped_at": s.shipped_at, "units": s.units,
                        "scans": [dict(e._mapping) for e in scans]})
    view["parcels"] = parcels
    timeline = view["timeline"]
    view["promises"] = [e for e in timeline if e["type"] in PROMISE_EVENTS]
    view["notifications"] = [dict(n._mapping) for n in conn.execute(
        select(notifications.c.kind, notifications.c.channel, notifications.c.status,
               notifications.c.recipient, notifications.c.parcel, notifications.c.created_at,
               notifications.c.sent_at, notifications.c.attempts)
        .where(notifications.c.order_id == order_id).order_by(notifications.c.id))]
    view["audit"] = [e for e in timeline if not e["actor"].startswith(MACHINES)] + [
        {"at": m.handled_at.isoformat(), "type": f"watchlist.handled ({m.category})",
         "actor": m.handled_by, "data": {"note": m.note}}
        for m in conn.execute(select(watchlist_marks)
                              .where(watchlist_marks.c.order_id == order_id))]
    return view
