"""Bootstrap intervals over problems: coverage in simulation, pairing, determinism, speed."""

from __future__ import annotations

import time

import numpy as np
import pytest

from passbound.metrics import bootstrap_ci, paired_bootstrap_diff, pass_at_k_matrix

KS = [1, 4, 16]


def true_pass_at_k_beta(a: float, b: float, k: int) -> float:
    """E[1 - (1-p)^k] for p ~ Beta(a, b): 1 - prod_{j<k} (b+j)/(a+b+j)."""
    return 1.0 - float(np.prod([(b + j) / (a + b + j) for j in range(k)]))


def test_percentile_interval_covers_truth_at_about_its_level() -> None:
    """200 simulated studies: 100 problems drawn with p ~ Beta(0.5, 1.5), 16 samples each."""
    a, b, n = 0.5, 1.5, 16
    truth = np.array([true_pass_at_k_beta(a, b, k) for k in KS])
    rng = np.random.default_rng(123)
    hits = np.zeros(len(KS))
    studies = 200
    for s in range(studies):
        p = rng.beta(a, b, size=100)
        c = rng.binomial(n, p)
        per_problem = pass_at_k_matrix(np.full(100, n), c, KS)
        low, high = bootstrap_ci(per_problem, n_boot=1000, level=0.95, seed=s)
        hits += (low <= truth) & (truth <= high)
    coverage = hits / studies
    assert np.all((coverage >= 0.88) & (coverage <= 0.99)), coverage


def test_interval_brackets_the_mean_and_narrows_with_more_problems() -> None:
    rng = np.random.default_rng(0)
    small = rng.random((50, 2))
    large = rng.random((5000, 2))
    lo_s, hi_s = bootstrap_ci(small, 500, 0.95, 0)
    lo_l, hi_l = bootstrap_ci(large, 500, 0.95, 0)
    assert np.all(lo_s < small.mean(0)) and np.all(small.mean(0) < hi_s)
    assert np.all(hi_l - lo_l < (hi_s - lo_s) / 3)


def test_same_seed_same_interval_other_seed_differs() -> None:
    x = np.random.default_rng(5).random((200, 3))
    first, again, other = bootstrap_ci(x, 300, 0.9, 7), bootstrap_ci(x, 300, 0.9, 7), bootstrap_ci(x, 300, 0.9, 8)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


def test_nan_column_and_degenerate_inputs_give_nan() -> None:
    x = np.array([[0.5, np.nan], [1.0, 1.0], [0.0, 1.0]])
    low, high = bootstrap_ci(x, 200, 0.95, 0)
    assert np.isfinite(low[0]) and np.isnan(low[1]) and np.isnan(high[1])
    assert np.all(np.isnan(bootstrap_ci(np.empty((0, 2)), 100, 0.95, 0)[0]))
    assert np.all(np.isnan(bootstrap_ci(x, 0, 0.95, 0)[1]))
    with pytest.raises(ValueError, match="level"):
        bootstrap_ci(x, 100, 95, 0)


def test_paired_difference_resamples_the_same_problems() -> None:
    """b = a - 0.1 on every problem: a paired interval is exactly [0.1, 0.1]; problem
    difficulty varies a lot, so resampling the two models independently would be wide."""
    a = np.random.default_rng(3).random((300, 2))
    b = a - 0.1
    diff, low, high = paired_bootstrap_diff(a, b, 500, 0.95, 0)
    np.testing.assert_allclose(diff, 0.1, atol=1e-12)
    np.testing.assert_allclose(low, 0.1, atol=1e-12)
    np.testing.assert_allclose(high, 0.1, atol=1e-12)
    lo_a, hi_a = bootstrap_ci(a, 500, 0.95, 1)
    assert np.all(hi_a - lo_a > 0.05)


def test_paired_difference_sign_and_interval() -> None:
    rng = np.random.default_rng(4)
    a = rng.random((400, 1))
    b = np.clip(a - 0.05 + rng.normal(0, 0.1, size=a.shape), 0, 1)
    diff, low, high = paired_bootstrap_diff(a, b, 1000, 0.95, 0)
    assert diff[0] == pytest.approx(float((a - b).mean()))
    assert low[0] < diff[0] < high[0]
    assert low[0] > 0  # a is better on average, and the pairing makes it clear
    with pytest.raises(ValueError, match="same shape"):
        paired_bootstrap_diff(a, b[:-1], 100, 0.95, 0)


def test_fast_enough_for_a_real_benchmark() -> None:
    x = np.random.default_rng(0).random((500, 12))
    start = time.perf_counter()
    bootstrap_ci(x, 1000, 0.95, 0)
    paired_bootstrap_diff(x, x[::-1], 1000, 0.95, 0)
    assert time.perf_counter() - start < 5.0
