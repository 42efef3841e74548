"""Schemathesis against a running ``doorstep serve``: requests generated from the app's own
OpenAPI document, valid and invalid, must never get a 5xx, an undocumented status code or an
undocumented content type.

Budget: ``FUZZ_EXAMPLES`` examples per operation (default 12, about two minutes on a 2-core
machine for every operation; CI keeps it under three); ``DOORSTEP_FUZZ_EXAMPLES`` raises it
for a deeper run.  Without shrinking: the first failing example is reported as generated.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from doorstep.adapters.promise_store import save_model
from doorstep.devtools.server import ServerProcess, upgrade_database
from doorstep.domain.promise.fit import fit_model
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.services.promise_service import build_calendars
from doorstep.services.sites import DEMO_LAYOUT

pytestmark = pytest.mark.slow

FUZZ_EXAMPLES = int(os.environ.get("DOORSTEP_FUZZ_EXAMPLES", "12"))
ONLY = os.environ.get("DOORSTEP_FUZZ_ONLY", "")  # e.g. "/v1/promise", to chase one failure
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    upgrade_database(url)
    calendars = build_calendars(country="DE", subdiv="BY", first_year=2023, last_year=2027,
                                dest_countries=DEST_COUNTRIES)
    history = realistic_history(SyntheticConfig(start=date(2024, 6, 1), days=120,
                                                orders_per_day=30.0, seed=3), calendars)
    save_model(folder / "model.json", fit_model(history, calendars=calendars).model)
    env = {"DOORSTEP_LAYOUT_PATH": str(DEMO_LAYOUT),
           "DOORSTEP_PROMISE_MODEL_PATH": str(folder / "model.json")}
    with ServerProcess(url, log_dir=folder, embedded_worker=False, env=env) as server:
        yield server


def _fuzz(operation: Any, base_url: str, mode: GenerationMode) -> list[str]:
    """Run ``FUZZ_EXAMPLES`` generated requests; one line per failing example."""
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=FUZZ_EXAMPLES, deadline=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], database=None,
              suppress_health_check=list(HealthCheck))
    def run(case: Any) -> None:
        try:
            case.call_and_validate(base_url=base_url, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as exc:  # collect all failures, report them all
            lines = [line for line in str(exc).splitlines() if line.strip()][:8]
            failures.append(f"{operation.label} [{mode.value}]: " + " | ".join(lines)[:700])

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        assert mode is GenerationMode.NEGATIVE, operation.label
    return failures


def test_no_server_errors_and_only_documented_answers(served: ServerProcess) -> None:
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
            failures += _fuzz(operation, served.base_url, mode)
    elapsed = time.monotonic() - started
    assert operations >= 30 or ONLY, operations
    assert not failures, f"{len(failures)} failures in {elapsed:.0f} s:\n" + "\n".join(
        failures[:40])
