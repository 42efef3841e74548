"""The peak model against the real services: two days, the same orders and crew, the
backlog per hour within ±10 % — and both curves drawn into test-artifacts/."""

from __future__ import annotations

from pathlib import Path
from xml.etree import ElementTree

import pytest

from doorstep.simulation.scenario import load_scenario
from doorstep.simulation.validation import compare, validate, write_chart

ROOT = Path(__file__).resolve().parents[2]


def test_the_models_backlog_follows_the_real_services_hour_by_hour() -> None:
    """Intake, allocation, waves, picks (with short picks the model does not know),
    packs and hand-overs on a simulated clock: every hour's backlog is within 10 %."""
    scenario = load_scenario(ROOT / "examples" / "peak" / "two-days.toml")
    result = validate(scenario)
    chart = write_chart(result, scenario, ROOT / "test-artifacts" / "peak-validation.svg")
    ElementTree.parse(chart)
    assert result.orders > 300
    assert max(result.real) > 100  # the day's backlog is real work, not a trickle
    assert result.short_picks > 0
    assert len(result.errors) == 48
    assert result.worst <= 0.10, list(zip(result.model, result.real, strict=True))


@pytest.mark.postgres
def test_the_model_follows_the_real_services_on_postgresql_too(postgres_url: str) -> None:
    """The same comparison with the services on PostgreSQL (row locks, SKIP LOCKED outbox)."""
    scenario = load_scenario(ROOT / "examples" / "peak" / "two-days.toml")
    result = validate(scenario, database_url=postgres_url)
    assert result.short_picks > 0
    assert result.worst <= 0.10, list(zip(result.model, result.real, strict=True))


def test_the_comparison_measures_against_the_real_backlog_with_a_floor() -> None:
    """A difference of 12 on 100 is 12 %; in a quiet hour 2 against 1 counts against the
    floor of 10 orders."""
    assert compare([112, 2, 0], [100, 1, 0]) == [0.12, 0.1, 0.0]
