"""The operator's cockpit: watchlist marks (handled, with a note) and the search indexes.

The order search filters by customer e-mail, which lives inside the ``customer`` JSON;
an expression index on the lower-cased address keeps that lookup an index probe with
millions of orders.  The expression is written once here, per dialect, and used verbatim by
the migration and the query — PostgreSQL and SQLite only use an expression index when the
query repeats the indexed expression.
"""

from __future__ import annotations

from sqlalchemy import Column, Index, String, Table, Text, UniqueConstraint

from doorstep.adapters.db.metadata import metadata
from doorstep.adapters.db.tables import (
    UTC,
    BigId,
    order_events,
    orders,
    shipments,
    tracking_events,
)

EMAIL_KEY = {
    "postgresql": "lower(customer ->> 'email')",
    "sqlite": "lower(json_extract(customer, '$.email'))",
}
"""The indexed search key of an order's customer e-mail, per SQL dialect."""

watchlist_marks = Table(
    "watchlist_marks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("order_id", String(40), nullable=False),
    Column("category", String(40), nullable=False),
    Column("tracking_number", String(64), nullable=False, server_default=""),
    Column("since", UTC, nullable=False),
    Column("handled_at", UTC, nullable=False),
    Column("handled_by", String(100), nullable=False),
    Column("note", Text, nullable=False),
    # One mark per problem occurrence: a new problem (a later "since") shows up again.
    UniqueConstraint("order_id", "category", "tracking_number", "since",
                     name="uq_watchlist_marks_problem"),
    Index("ix_watchlist_marks_order", "order_id"),
)

# The search's plain indexes, declared on the order tables so the metadata matches the
# migration (the e-mail expression index differs per dialect and lives in the migration only).
Index("ix_orders_accepted_id", orders.c.accepted_at, orders.c.id)
Index("ix_orders_channel_accepted_id", orders.c.channel, orders.c.accepted_at, orders.c.id)
Index("ix_orders_external_id", orders.c.external_id)
Index("ix_shipments_shipped_at", shipments.c.shipped_at)
Index("ix_tracking_events_order_occurred", tracking_events.c.order_id,
      tracking_events.c.occurred_at)
Index("ix_order_events_type_at", order_events.c.type, order_events.c.at)
