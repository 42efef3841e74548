"""Kaplan–Meier transit distributions and the calibration maps."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from doorstep.domain.promise.calibration import PitSample, level_map
from doorstep.domain.promise.survival import kaplan_meier, recency_weights

DAYS = st.lists(st.integers(min_value=0, max_value=12), min_size=1, max_size=60)


@given(days=DAYS)
def test_without_censoring_the_estimate_is_the_empirical_distribution(days: list[int]) -> None:
    """All rows observed: the pmf is the share of each day count."""
    t = np.array(days)
    dist = kaplan_meier(t, np.ones(len(t), dtype=bool), np.ones(len(t)))
    expected = np.bincount(t) / len(t)
    assert np.allclose(dist.pmf[: len(expected)], expected)


@given(days=DAYS, censored=st.lists(st.integers(min_value=0, max_value=15), min_size=1,
                                    max_size=30), level=st.sampled_from([0.5, 0.8, 0.95]))
def test_parcels_still_travelling_never_shorten_a_quantile(
    days: list[int], censored: list[int], level: float
) -> None:
    """Keeping censored rows gives quantiles at least as long as dropping them would."""
    t = np.array(days)
    dropped = kaplan_meier(t, np.ones(len(t), dtype=bool), np.ones(len(t)))
    both = np.concatenate([t, np.array(censored)])
    seen = np.concatenate([np.ones(len(t), dtype=bool), np.zeros(len(censored), dtype=bool)])
    kept = kaplan_meier(both, seen, np.ones(len(both)))
    assert kept.quantile(level) >= dropped.quantile(level)


def test_recent_rows_weigh_more() -> None:
    """A row one half-life old counts half."""
    w = recency_weights(np.array([0.0, 28.0, 56.0]), 28.0)
    assert np.allclose(w, [1.0, 0.5, 0.25])


def test_a_model_that_promises_too_early_gets_a_higher_level() -> None:
    """If actual days sit high in the raw distribution, the map asks for a higher level."""
    rng = np.random.default_rng(0)
    samples = [PitSample(keys=("s",), before=b, on_or_before=min(b + 0.05, 1.0))
               for b in rng.uniform(0.2, 1.0, size=500)]
    assert level_map(samples).upper_level(0.8) > 0.8


def test_a_calibrated_model_keeps_roughly_its_levels() -> None:
    """Uniform PIT values map each level to about itself."""
    rng = np.random.default_rng(1)
    u = rng.uniform(size=4000)
    lmap = level_map([PitSample(keys=("s",), before=x, on_or_before=x) for x in u])
    for level in (0.5, 0.8, 0.95):
        assert abs(lmap.upper_level(level) - level) < 0.03
        assert abs(lmap.lower_level(level) - level) < 0.03
