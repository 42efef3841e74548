"""Promises through a shock: the generator's slow-down and the online level correction."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from doorstep.domain.promise.history import HistoryRow
from doorstep.domain.promise.model import Calendars
from doorstep.domain.promise.online import (
    AciConfig,
    OnlineLevel,
    ReplayedPromise,
    aci_update,
    replay,
)
from doorstep.domain.promise.synthetic import Shock, SyntheticConfig, realistic_history

BERLIN = ZoneInfo("Europe/Berlin")
SHOCK = Shock(start=date(2024, 5, 6), days=21, transit_days=3, carriers=("dhl",))


def test_a_miss_lowers_alpha_a_hit_raises_it_and_both_stay_within_the_bounds() -> None:
    step = {"target": 0.05, "gamma": 0.01, "lo": 0.01, "hi": 0.2}
    assert aci_update(0.05, True, **step) == pytest.approx(0.05 - 0.01 * 0.95)
    assert aci_update(0.05, False, **step) == pytest.approx(0.05 + 0.01 * 0.05)
    alpha = 0.05
    for _ in range(100):
        alpha = aci_update(alpha, True, **step)
    assert alpha == 0.01
    for _ in range(10_000):
        alpha = aci_update(alpha, False, **step)
    assert alpha == 0.2


def test_the_running_level_rises_after_misses_and_comes_back_after_hits() -> None:
    levels = OnlineLevel(0.95, AciConfig(gamma=0.01))
    key = levels.key("dhl", "paket")
    for _ in range(5):
        levels.observe(key, True)
    assert levels.current(key) == pytest.approx(0.99)  # up to its bound (min_alpha 0.01)
    assert levels.current(levels.key("dpd", "classic")) == pytest.approx(0.95)
    for _ in range(2_000):
        levels.observe(key, False)
    assert levels.current(key) < 0.95


def _transit(rows: list[HistoryRow], calendars: Calendars) -> dict[str, tuple[date, int]]:
    out = {}
    for r in rows:
        if r.shipped_at is None or r.delivered_at is None:
            continue
        shipped = r.shipped_at.astimezone(BERLIN).date()
        delivered = r.delivered_at.astimezone(BERLIN).date()
        cal = calendars.carrier(r.carrier, r.dest_country)
        days = int(cal.count_open_after(np.array([shipped.toordinal()]),
                                        np.array([delivered.toordinal()]))[0])
        out[r.order_id] = (shipped, days)
    return out


def test_the_shock_adds_its_days_to_the_shocked_carrier_inside_the_window_only(
    calendars: Calendars,
) -> None:
    base = SyntheticConfig(start=date(2024, 4, 1), days=70, orders_per_day=30.0, seed=5)
    plain = realistic_history(base, calendars)
    shocked = realistic_history(SyntheticConfig(start=base.start, days=base.days,
                                                orders_per_day=30.0, seed=5, shock=SHOCK),
                                calendars)
    assert [r.order_id for r in plain] == [r.order_id for r in shocked]
    before, after = _transit(plain, calendars), _transit(shocked, calendars)
    carrier = {r.order_id: r.carrier for r in plain}
    inside = outside = 0
    for order_id, (shipped, days) in before.items():
        if order_id not in after:
            continue  # delivered after the export once slowed: censored
        if SHOCK.start <= shipped < SHOCK.end and carrier[order_id] == "dhl":
            assert after[order_id][1] == days + 3
            inside += 1
        else:
            assert after[order_id] == (shipped, days)
            outside += 1
    assert inside > 200 and outside > 1000


def test_without_a_shock_the_generator_draws_the_same_rows_as_before(
    calendars: Calendars,
) -> None:
    """Fingerprints taken before the shock existed: the default run is unchanged."""
    expected = {
        "published": "2bf9b52bb5f5f171000e093dbf3c0cf64c2d4174888b9bcf9bffdffd9da01ced",
        "pessimistic": "6aafbed2e010d93314b4e0c32cbcfe28f6eff3ad89c060e4352095ec73ddcae9",
    }
    for lanes, digest in expected.items():
        rows = realistic_history(SyntheticConfig(start=date(2024, 1, 1), days=90,
                                                 orders_per_day=40.0, seed=3, lanes=lanes),
                                 calendars)
        assert hashlib.sha256(repr(rows).encode()).hexdigest() == digest


def _first_week_on_time(replayed: list[ReplayedPromise]) -> float:
    kept = [p.kept for p in replayed if p.row.carrier == "dhl" and p.kept is not None
            and SHOCK.start <= p.order_day < SHOCK.start + timedelta(days=7)]
    assert len(kept) > 50
    return float(np.mean(kept))


def test_the_online_correction_keeps_more_promises_in_the_shock_s_first_week(
    calendars: Calendars,
) -> None:
    rows = realistic_history(SyntheticConfig(start=date(2024, 1, 1), days=160,
                                             orders_per_day=30.0, seed=5, shock=SHOCK),
                             calendars)
    split = datetime.combine(date(2024, 4, 15), time(0), BERLIN)
    plain = replay(rows, split, calendars=calendars, refit_every=timedelta(days=28))
    online = replay(rows, split, calendars=calendars, refit_every=timedelta(days=28),
                    online=AciConfig())
    assert _first_week_on_time(online) > _first_week_on_time(plain) + 0.2
