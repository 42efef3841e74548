"""Migration 0039 adds the shop's order number to ``orders`` and takes it away again, on
SQLite and PostgreSQL, without touching the orders already stored."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Engine, create_engine, inspect, text

from doorstep.adapters.db.schema import alembic_config, upgrade

BEFORE = "0038_quarantine_profile_copies"
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _downgrade(engine: Engine, revision: str) -> None:
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _index_names(engine: Engine) -> set[str]:
    """Every index of ``orders``, expression indexes included (reflection skips those)."""
    sql = ("SELECT indexname FROM pg_indexes WHERE tablename = 'orders'"
           if engine.dialect.name == "postgresql"
           else "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'orders'")
    with engine.connect() as conn:
        return {str(name) for name in conn.execute(text(sql)).scalars()}


def _columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("orders")}


def test_the_order_number_column_comes_and_goes_and_the_stored_order_stays(
        database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        upgrade(engine, BEFORE)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO orders (id, external_id, channel, status, currency, "
                "shipping_price, priority, customer, shipping_address, accepted_at, "
                "updated_at, content_hash) VALUES ('ord_old', '450789469', 'shopify', "
                "'received', 'EUR', 0, 0, '{}', '{}', :t, :t, :h)"), {"t": T0, "h": "0" * 64})
        indexes_before = _index_names(engine)
        assert "ix_orders_email" in indexes_before

        upgrade(engine)
        assert "order_number" in _columns(engine)
        assert "ix_orders_order_number" in _index_names(engine)
        with engine.begin() as conn:
            assert conn.execute(text("SELECT order_number FROM orders WHERE id = 'ord_old'")
                                ).scalar_one() is None
            conn.execute(text("UPDATE orders SET order_number = '#1001'"))

        _downgrade(engine, BEFORE)
        assert "order_number" not in _columns(engine)
        assert _index_names(engine) == indexes_before
        with engine.connect() as conn:
            assert conn.execute(text("SELECT external_id FROM orders")).scalars().all() == [
                "450789469"]

        upgrade(engine)
        assert "order_number" in _columns(engine)
    finally:
        engine.dispose()
