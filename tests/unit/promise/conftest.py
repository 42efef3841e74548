"""Shared promise fixtures: calendars from the ``holidays`` package and a small fitted model."""

from __future__ import annotations

from datetime import date

import pytest

from doorstep.domain.promise.fit import FitResult, fit_model
from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.model import Calendars
from doorstep.domain.promise.synthetic import DEST_COUNTRIES, SyntheticConfig, realistic_history
from doorstep.services.promise_service import build_calendars


@pytest.fixture(scope="session")
def calendars() -> Calendars:
    return build_calendars(country="DE", subdiv="BY", first_year=2023, last_year=2027,
                           dest_countries=DEST_COUNTRIES)


@pytest.fixture(scope="session")
def small_history(calendars: Calendars) -> list[HistoryRow]:
    cfg = SyntheticConfig(start=date(2024, 6, 1), days=150, orders_per_day=40.0, seed=3)
    return realistic_history(cfg, calendars)


@pytest.fixture(scope="session")
def small_fit(small_history: list[HistoryRow], calendars: Calendars) -> FitResult:
    return fit_model(small_history, calendars=calendars)
