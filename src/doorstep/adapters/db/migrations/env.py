"""Alembic environment: runs on the connection ``doorstep.adapters.db.schema`` hands in."""

from __future__ import annotations

from alembic import context

from doorstep.adapters.db.schema import all_metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - doorstep always passes a connection
    raise RuntimeError("run migrations through `doorstep db upgrade`")

context.configure(
    connection=connection,
    target_metadata=all_metadata(),
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
