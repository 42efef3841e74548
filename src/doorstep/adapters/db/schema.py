"""Schema versioning: upgrade to the newest migration and tell whether a database is current.

``serve`` refuses to start on an out-of-date schema (``schema_status``) and names the command
that fixes it; ``doorstep db upgrade`` runs ``upgrade``.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData

from doorstep.adapters.db.metadata import metadata

MIGRATIONS = Path(__file__).with_name("migrations")

# Modules that declare tables on the shared metadata; imported so Alembic sees every table.
TABLE_MODULES = (
    "doorstep.adapters.db.tables",
    "doorstep.adapters.db.quarantine_tables",
    "doorstep.adapters.db.picking_tables",
    "doorstep.adapters.db.cockpit_tables",
    "doorstep.adapters.db.receiving_tables",
    "doorstep.adapters.db.notify_tables",
    "doorstep.adapters.db.packing_tables",
    "doorstep.adapters.db.identity_tables",
)


def all_metadata() -> MetaData:
    for name in TABLE_MODULES:
        importlib.import_module(name)
    return metadata


def alembic_config(engine: Engine) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: newest)."""
    cfg = alembic_config(engine)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@dataclass(frozen=True)
class SchemaStatus:
    current: str | None
    head: str

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head


def schema_status(engine: Engine) -> SchemaStatus:
    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    assert head is not None, "no migrations shipped"
    with engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return SchemaStatus(current=current, head=head)
