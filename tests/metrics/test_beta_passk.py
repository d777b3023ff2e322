"""Beta posteriors for pass@k: the closed forms, the fit, pass@k past n and Bayes@N on simulations
with known per-problem success probabilities (so the truth is known exactly)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.special import betaln

from passbound.metrics.beta_passk import bayes_at_n, beyond_n, fit_beta_binomial, posterior_pass_at_k
from passbound.metrics.passk import pass_at_k_matrix


def population_pass_at_k(a: float, b: float, k: int) -> float:
    """E[1 - (1 - p)^k] for p ~ Beta(a, b)."""
    return 1.0 - math.exp(betaln(a, b + k) - betaln(a, b))


def test_posterior_mean_closed_forms() -> None:
    c, n = np.array([0, 3, 10]), np.array([10, 10, 10])
    at1 = posterior_pass_at_k(c, n, 1.0, 1.0, [1])[:, 0]
    np.testing.assert_allclose(at1, (c + 1) / (n + 2))  # Laplace's rule of succession
    # Against Monte Carlo of the posterior Beta(a + c, b + n - c), at k inside and past n.
    rng = np.random.default_rng(0)
    for ci, ni in [(0, 10), (2, 10), (9, 10)]:
        p = rng.beta(0.5 + ci, 2.0 + ni - ci, 400_000)
        for k in (1, 7, 40):
            mc = float(np.mean(1 - (1 - p) ** k))
            got = float(posterior_pass_at_k([ci], [ni], 0.5, 2.0, [k])[0, 0])
            assert got == pytest.approx(mc, abs=3e-3)


def test_fit_recovers_the_prior() -> None:
    rng = np.random.default_rng(1)
    for a, b in [(0.3, 1.5), (2.0, 2.0), (0.8, 0.2)]:
        p = rng.beta(a, b, 20_000)
        c = rng.binomial(32, p)
        ah, bh = fit_beta_binomial(c, np.full(c.size, 32))
        assert ah == pytest.approx(a, rel=0.08) and bh == pytest.approx(b, rel=0.08)


def test_beyond_n_recovers_known_pass_at_k_and_covers_at_its_level() -> None:
    """Fit on n = 32 samples of 300 problems, predict pass@128 and pass@512; 40 simulations."""
    rng = np.random.default_rng(2)
    a, b, n, ks = 0.3, 1.5, 32, [32, 128, 512]
    truth = np.array([population_pass_at_k(a, b, k) for k in ks])
    covered, errors = np.zeros(len(ks)), []
    for r in range(40):
        p = rng.beta(a, b, 300)
        c = rng.binomial(n, p)
        pred, low, high, _ = beyond_n(c, np.full(c.size, n), ks, n_boot=100, ci=0.9, seed=r)
        assert np.all(low <= pred) and np.all(pred <= high)
        covered += (low <= truth) & (truth <= high)
        errors.append(pred - truth)
    rate = covered / 40
    assert np.all(rate >= 0.75) and np.all(rate <= 1.0), rate  # nominal 0.9
    bias = np.mean(errors, axis=0)
    assert np.all(np.abs(bias) < 0.01), bias
    # The naive alternative, pass@n itself, is far below the truth at 16 n.
    assert truth[2] - truth[0] > 0.1


def test_beyond_n_inside_n_agrees_with_the_unbiased_estimator() -> None:
    rng = np.random.default_rng(3)
    p = rng.beta(0.5, 1.0, 400)
    c = rng.binomial(64, p)
    n = np.full(c.size, 64)
    ks = [1, 4, 16, 64]
    pred, *_ = beyond_n(c, n, ks, n_boot=0)
    measured = pass_at_k_matrix(n, c, ks).mean(axis=0)
    np.testing.assert_allclose(pred, measured, atol=0.01)


def test_bayes_at_n_credible_interval_covers_at_its_level() -> None:
    """Under its own (uniform) prior the posterior is calibrated for the fixed problem set."""
    rng = np.random.default_rng(4)
    ks = [1, 8, 32]
    covered = np.zeros(len(ks))
    for r in range(40):
        p = rng.uniform(size=200)
        c = rng.binomial(32, p)
        mean, low, high = bayes_at_n(c, np.full(c.size, 32), ks, draws=800, ci=0.9, seed=r)
        truth = np.array([np.mean(1 - (1 - p) ** k) for k in ks])
        covered += (low <= truth) & (truth <= high)
        np.testing.assert_allclose(mean[0], np.mean((c + 1) / 34))
    rate = covered / 40
    assert np.all(rate >= 0.75), rate


def test_bad_counts_are_refused() -> None:
    with pytest.raises(ValueError):
        beyond_n([3], [2], [4])
    with pytest.raises(ValueError):
        bayes_at_n([], [], [1])
    with pytest.raises(ValueError):
        fit_beta_binomial([1, 2], [0, 4])
