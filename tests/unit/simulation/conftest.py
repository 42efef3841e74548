"""Simulation fixtures: the small scenario and the promise tests' small fitted model."""

from __future__ import annotations

from datetime import date

import pytest
from simulation_helpers import scenario_data

from doorstep.domain.promise.fit import fit_model
from doorstep.domain.promise.model import PromiseModel
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.services.promise_service import build_calendars
from doorstep.simulation.scenario import Scenario, parse_scenario


@pytest.fixture
def small() -> Scenario:
    return parse_scenario(scenario_data())


@pytest.fixture(scope="session")
def promise_model() -> PromiseModel:
    cals = build_calendars(country="DE", subdiv=None, first_year=2023, last_year=2026,
                           dest_countries=DEST_COUNTRIES)
    rows = realistic_history(SyntheticConfig(start=date(2024, 6, 1), days=150,
                                             orders_per_day=40.0, seed=3), cals)
    return fit_model(rows, calendars=cals).model
