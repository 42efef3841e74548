"""doorstep has one unit of work: a SQLAlchemy ``Connection`` inside a transaction.

No module reaches for the ORM's ``Session``, and the container offers no session factory,
so a store cannot drift onto a second convention (the quarantine store once did).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

from sqlalchemy import Connection

from doorstep.adapters.quarantine_store import QuarantineStore
from doorstep.bootstrap import Container

SRC = Path(__file__).parents[3] / "src" / "doorstep"


def orm_imports(root: Path) -> list[str]:
    """``file:line`` of every import of ``sqlalchemy.orm`` below ``root``."""
    found = []
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(n == "sqlalchemy.orm" or n.startswith("sqlalchemy.orm.") for n in names):
                found.append(f"{path.relative_to(root)}:{node.lineno}")
    return found


def test_the_finder_sees_an_orm_import(tmp_path: Path) -> None:
    (tmp_path / "store.py").write_text("import os\nfrom sqlalchemy.orm import Session\n")
    assert orm_imports(tmp_path) == ["store.py:2"]


def test_no_module_of_doorstep_uses_the_orm_session() -> None:
    assert orm_imports(SRC) == []


def test_the_container_hands_out_settings_and_engine_only() -> None:
    assert [f.name for f in dataclasses.fields(Container)] == ["settings", "engine"]


def test_the_quarantine_store_joins_the_callers_connection() -> None:
    """``hold(..., conn=conn)`` takes the caller's ``Connection``, the same unit of work as
    every other write of an import."""
    conn = inspect.signature(QuarantineStore.hold, eval_str=True).parameters["conn"]
    assert conn.annotation == Connection | None
