"""``doorstep import asn`` reads a real DESADV through its profile into the database."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from doorstep.entrypoints.cli import app

FIXTURES = Path(__file__).parents[2] / "fixtures" / "receiving"


def test_import_asn_stores_an_advice_waiting_for_its_po(migrated_sqlite_url: str) -> None:
    db = migrated_sqlite_url
    runner = CliRunner()
    result = runner.invoke(app, ["import", "asn", "--profile", "desadv-eancom-d96a", "--json",
                                 "--db", db, str(FIXTURES / "desadv_wikipedia_en.edi")])
    assert result.exit_code == 0, result.output
    (advice,) = json.loads(result.output)["advices"]
    assert (advice["number"], advice["status"]) == ("007774", "waiting")
