"""metrics.measures.stats against independent implementations, on random inputs with fixed seeds.

Kaplan–Meier is checked against lifelines' KaplanMeierFitter and the Wilson interval
against statsmodels; neither library is used by the project itself.
"""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from lifelines import KaplanMeierFitter
from lifelines.utils import qth_survival_time
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from metrics.measures.stats import kaplan_meier, survival_quantile, wilson_interval, with_rate

CASES = 300
QUANTILES = (0.5, 0.1, 0.25, 0.75)
# metrics.measures.stats compares the share with q allowing this much floating-point error, so that
# a product such as 5/6 · 3/5 counts as reaching 1/2. The random cases below land on q
# exactly a few dozen times, and in about a dozen of them rounding leaves lifelines' product
# just above q, so lifelines is asked with the same allowance.
TOLERANCE = 1e-12


def random_sample(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Event and censoring times with many ties: whole hours, or hours to two decimals."""
    n = int(rng.integers(1, 60))
    if rng.random() < 0.5:
        times = rng.integers(0, 25, size=n).astype(float)
    else:
        times = np.round(rng.exponential(10.0, size=n), 2)
    observed = rng.random(n) < rng.uniform(0.0, 1.0)
    return times, observed


def lifelines_fit(times: np.ndarray, observed: np.ndarray) -> KaplanMeierFitter:
    return KaplanMeierFitter().fit(times, event_observed=observed)


def test_kaplan_meier_matches_lifelines_at_every_distinct_time():
    rng = np.random.default_rng(20260101)
    compared = 0
    for _ in range(CASES):
        times, observed = random_sample(rng)
        curve = kaplan_meier(times, observed)
        if not observed.any():
            # No event: metrics.measures.stats has no curve; lifelines' stays at 1 throughout.
            assert curve is None
            assert (lifelines_fit(times, observed).survival_function_.to_numpy() == 1.0).all()
            continue
        expected = lifelines_fit(times, observed).survival_function_["KM_estimate"]
        # Every distinct time, event or censoring, is a point of the step function.
        np.testing.assert_array_equal(curve["time"], np.unique(times))
        np.testing.assert_allclose(curve["share_left"], expected.loc[np.unique(times)].to_numpy(),
                                   rtol=0, atol=1e-12)
        compared += 1
    assert compared > CASES // 2


def test_survival_quantiles_match_lifelines():
    # The definition: the smallest time at which the share still without the event is ≤ q,
    # none when it never falls that far. lifelines' qth_survival_time uses the same
    # definition (first time with S(t) ≤ q; infinity when never reached).
    rng = np.random.default_rng(7)
    never_reached = reached = 0
    for _ in range(CASES):
        times, observed = random_sample(rng)
        sf = lifelines_fit(times, observed).survival_function_["KM_estimate"]
        for q in QUANTILES:
            expected = qth_survival_time(q + TOLERANCE, sf)
            got = survival_quantile(times, observed, q)
            if np.isinf(expected):
                assert got is None, (times, observed, q)
                never_reached += 1
            else:
                assert got == expected, (times, observed, q)
                reached += 1
    # The random cases exercise both outcomes.
    assert never_reached > 50 and reached > 50


def test_survival_quantile_by_hand():
    # Times 2, 4, 4, 5+, 30, 256+: shares 5/6, 1/2, 1/2, 1/4, 1/4.
    times = np.array([2, 4, 4, 5, 30, 256], dtype=float)
    observed = np.array([True, True, True, False, True, False])
    assert survival_quantile(times, observed, 0.5) == 4.0
    assert survival_quantile(times, observed, 0.25) == 30.0
    assert survival_quantile(times, observed, 0.1) is None
    assert survival_quantile(np.array([]), np.array([], dtype=bool), 0.5) is None
    assert survival_quantile(np.array([1.0, 2.0]), np.array([False, False]), 0.5) is None


def test_wilson_interval_matches_statsmodels():
    rng = np.random.default_rng(12345)
    pairs = [(0, 1), (1, 1), (0, 50), (50, 50), (0, 1000), (1000, 1000)]
    for _ in range(CASES):
        n = int(rng.integers(1, 500))
        k = int(rng.choice([0, n, rng.integers(0, n + 1)]))
        pairs.append((k, n))
    for k, n in pairs:
        for confidence in (0.95, 0.9):
            low, high = wilson_interval(k, n, confidence)
            expected_low, expected_high = proportion_confint(k, n, alpha=1 - confidence, method="wilson")
            assert low == pytest.approx(expected_low, abs=1e-12), (k, n, confidence)
            assert high == pytest.approx(expected_high, abs=1e-12), (k, n, confidence)
            assert 0.0 <= low <= k / n <= high <= 1.0


def test_wilson_interval_and_rate_with_no_trials():
    assert wilson_interval(0, 0) == (None, None)
    frame = with_rate(pl.DataFrame({"k": [0, 3, 0], "n": [0, 4, 5]}), "k", "n", "rate")
    assert frame["rate"].to_list() == [None, 0.75, 0.0]
    assert frame["ci_low"][0] is None and frame["ci_high"][0] is None
    low, high = proportion_confint(3, 4, alpha=0.05, method="wilson")
    assert (frame["ci_low"][1], frame["ci_high"][1]) == pytest.approx((low, high), abs=1e-12)


def test_with_rate_bounds_equal_scipy_binomtest_for_every_row():
    rng = np.random.default_rng(20261123)
    trials = rng.integers(0, 400, 600)
    successes = np.round(trials * rng.random(600)).astype(int)
    successes[:30] = 0
    successes[30:60] = trials[30:60]
    frame = with_rate(pl.DataFrame({"met": successes, "due": trials}), "met", "due", "rate")
    for k, n, low, high in zip(successes, trials, frame["ci_low"], frame["ci_high"], strict=True):
        if n == 0:
            assert low is None and high is None
            continue
        interval = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=0.95, method="wilson")
        assert low == pytest.approx(interval.low, abs=1e-12)
        assert high == pytest.approx(interval.high, abs=1e-12)
