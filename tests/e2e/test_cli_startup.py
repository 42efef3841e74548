"""``doorstep --help`` answers without loading the database, the API or the maths.

The CLI modules import only Typer and Rich at module level; every command imports what it
needs when it runs.  These tests watch the module list of ``python -X importtime`` (not a
clock), so a heavy import creeping back to module level fails here, on any machine.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from doorstep.domain.picking import BATCH_METHODS, METHODS
from doorstep.entrypoints.cli import pick

HEAVY = {"numpy", "scipy", "alembic", "fastapi", "sqlalchemy"}


def _imported_packages(*args: str) -> tuple[set[str], str]:
    """Top-level packages imported by ``doorstep <args>``, and what it printed."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "doorstep.entrypoints.cli", *args],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in done.stderr.splitlines()
        if line.startswith("import time:") and line.count("|") == 2
    }
    assert "doorstep.entrypoints.cli" in names, "no -X importtime report was read"
    return {name.split(".")[0] for name in names}, done.stdout


def test_top_level_help_imports_no_database_api_or_maths_library() -> None:
    """`doorstep --help` lists the commands and never imports numpy, scipy, alembic,
    fastapi or sqlalchemy."""
    packages, out = _imported_packages("--help")
    assert {"pick", "promise", "import", "db", "demo"} <= set(out.split())
    assert packages & HEAVY == set()


@pytest.mark.parametrize(
    "command",
    [["pick", "route"], ["pick", "batch"], ["wave", "release"], ["promise", "fit"],
     ["import", "tracking"], ["quarantine", "list"], ["db", "upgrade"], ["demo"]],
    ids=" ".join,
)
def test_sub_command_help_imports_no_database_api_or_maths_library(command: list[str]) -> None:
    """A sub-command's `--help` shows its options without importing the heavy libraries."""
    packages, out = _imported_packages(*command, "--help")
    assert "--help" in out
    assert packages & HEAVY == set()


def test_method_names_in_pick_help_are_the_domains() -> None:
    """The method names spelled out for `pick --help` are exactly the routers' and batchers'."""
    assert pick.ROUTING_METHODS == METHODS
    assert pick.BATCHING_METHODS == BATCH_METHODS
