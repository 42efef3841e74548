"""Schemathesis against a running ``doorstep serve``: requests generated from the app's own
OpenAPI document, valid and invalid, must never get a 5xx, an undocumented status code or an
undocumented content type.

Once API keys exist (``doorstep keys create``) the requests carry an admin key, so every
operation is exercised past its access check; schemathesis also checks the 401/403 answers
are documented.

Budget: ``FUZZ_EXAMPLES`` examples per operation (default 10, about two minutes on a 2-core
machine for every operation; CI keeps it under three); ``DOORSTEP_FUZZ_EXAMPLES`` raises it
for a deeper run, ``DOORSTEP_FUZZ_DB=postgres`` runs it on PostgreSQL.  Without shrinking:
the first failing example is reported as generated.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from doorstep.adapters.promise_store import save_model
from doorstep.devtools.databases import DEFAULT_PG_ADMIN_URL, fresh_postgres_database
from doorstep.devtools.server import ServerProcess, cli_command, upgrade_database
from doorstep.domain.promise.fit import fit_model
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.services.promise_service import build_calendars
from doorstep.services.sites import DEMO_LAYOUT

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "10"))
ONLY = os.environ.get("DOORSTEP_FUZZ_ONLY", "")  # e.g. "/v1/promise", to chase one failure
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


class Served:
    def __init__(self, server: ServerProcess, headers: dict[str, str]) -> None:
        self.base_url = server.base_url
        self.headers = headers


def admin_headers(url: str) -> dict[str, str]:
    """An admin key's Authorization header once ``doorstep keys`` exists (issue 9, point 1);
    before that every route is open and no header is needed."""
    result = subprocess.run(cli_command("keys", "create", "--role", "admin", "--name", "fuzz"),
                            capture_output=True, text=True, timeout=120,
                            env={**os.environ, "DOORSTEP_DATABASE_URL": url,
                                 "DOORSTEP_CONFIG": os.devnull})
    if result.returncode != 0 and "No such command" in result.stderr:
        return {}
    assert result.returncode == 0, result.stderr
    key = [line.strip() for line in result.stdout.splitlines() if line.strip()][-1]
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, sqlite_template: Path
           ) -> Iterator[Served]:
    """The server under test, on a copy of the session's migrated SQLite template
    (``tests/conftest.py``), or on a PostgreSQL database migrated here for a deeper run."""
    folder = tmp_path_factory.mktemp("fuzz")
    with ExitStack() as stack:
        if os.environ.get("DOORSTEP_FUZZ_DB") == "postgres":  # a deeper run, by hand
            url = stack.enter_context(fresh_postgres_database(
                os.environ.get("DOORSTEP_TEST_PG_URL", DEFAULT_PG_ADMIN_URL), prefix="fuzz"))
            upgrade_database(url)
        else:
            shutil.copy(sqlite_template, folder / "fuzz.db")
            url = f"sqlite:///{folder / 'fuzz.db'}"
        yield from _serve(url, folder)


def _serve(url: str, folder: Path) -> Iterator[Served]:
    calendars = build_calendars(country="DE", subdiv="BY", first_year=2023, last_year=2027,
                                dest_countries=DEST_COUNTRIES)
    history = realistic_history(SyntheticConfig(start=date(2024, 6, 1), days=120,
                                                orders_per_day=30.0, seed=3), calendars)
    save_model(folder / "model.json", fit_model(history, calendars=calendars).model)
    env = {"DOORSTEP_LAYOUT_PATH": str(DEMO_LAYOUT),
           "DOORSTEP_PROMISE_MODEL_PATH": str(folder / "model.json")}
    headers = admin_headers(url)
    with ServerProcess(url, log_dir=folder, embedded_worker=False, env=env) as server:
        if headers:  # the key must work, or every answer below would be a 401
            check = httpx.get(server.base_url + "/v1/orders", headers=headers, timeout=30)
            assert check.status_code not in (401, 403), check.text
        yield Served(server, headers)


def _fuzz(operation: Any, served: Served, mode: GenerationMode) -> list[str]:
    """Run ``FUZZ_EXAMPLES`` generated requests; one line per failing example."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(base_url=served.base_url, headers=served.headers,
                                   checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collect all failures, report them all
            lines = [line for line in str(exc).splitlines() if line.strip()][:8]
            failures.append(f"{operation.label} [{mode.value}]: " + " | ".join(lines)[:700])

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


def test_no_server_errors_and_only_documented_answers(served: Served) -> None:
    """Every generated request, valid or not, gets a documented status and content type."""
    schema = schemathesis.openapi.from_url(served.base_url + "/openapi.json")
    started = time.monotonic()
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if ONLY and ONLY not in operation.label:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _fuzz(operation, served, mode)
    elapsed = time.monotonic() - started
    assert operations >= 30 or ONLY, operations
    assert not failures, f"{len(failures)} failures in {elapsed:.0f} s:\n" + "\n".join(
        failures[:40])
