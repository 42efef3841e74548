"""Rows for several tables in as few round trips as the database allows.

Group commit stores a whole batch of orders at once: order rows, their lines, events, outbox
messages and idempotency records.  On SQLite each table is one ``executemany`` (the driver
loops in C, in-process, and there is no round trip).  On PostgreSQL every statement is a
round trip to another process, and on a busy machine each one also waits for the scheduler,
so the batch goes as **one statement**: data-modifying CTEs, one per table, each reading its
rows from a single JSON parameter with ``json_populate_recordset``::

    WITH t0 AS (INSERT INTO orders (id, …)
                SELECT id, … FROM json_populate_recordset(NULL::orders, $1)),
         t1 AS (INSERT INTO order_lines (…)
                SELECT … FROM json_populate_recordset(NULL::order_lines, $2)),
         …
    INSERT INTO idempotency_keys (…)
    SELECT … FROM json_populate_recordset(NULL::idempotency_keys, $5)

PostgreSQL parses the JSON and converts each field to its column's type in C; foreign keys
between the tables are checked at the end of the statement, when every CTE has run.
Measured in one process against the same PostgreSQL (batches of 32 orders with two lines,
``benchmarks/RESULTS.md``): the statement replaced seven round trips (two look-ups and five
pipelined ``executemany``) with three.

Values are encoded as the SQLAlchemy column types would bind them: timestamps must be
timezone-aware (they are sent in UTC), decimals as exact strings, JSON columns as nested JSON.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Table, insert, text

Rows = Sequence[dict[str, Any]]


def insert_many(conn: Connection, batches: Sequence[tuple[Table, Rows]]) -> None:
    """Insert each ``(table, rows)``; in this order, and on PostgreSQL in one statement."""
    batches = [(table, rows) for table, rows in batches if rows]
    if not batches:
        return
    if conn.dialect.name != "postgresql":
        for table, rows in batches:
            conn.execute(insert(table), list(rows))
        return
    quote = conn.dialect.identifier_preparer
    parts: list[str] = []
    params: dict[str, str] = {}
    for n, (table, rows) in enumerate(batches):
        columns = ", ".join(quote.quote(c) for c in rows[0])
        name = quote.format_table(table)
        parts.append(f"INSERT INTO {name} ({columns}) SELECT {columns} "
                     f"FROM json_populate_recordset(NULL::{name}, CAST(:rows{n} AS json))")
        params[f"rows{n}"] = json.dumps(rows, default=_json_value, allow_nan=False)
    *ctes, last = parts
    sql = ("WITH " + ", ".join(f"t{n} AS ({cte})" for n, cte in enumerate(ctes)) + " "
           if ctes else "") + last
    conn.execute(text(sql), params)


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} cannot be stored as a number")
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} as a column value")


__all__ = ["insert_many"]
