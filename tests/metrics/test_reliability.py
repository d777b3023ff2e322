"""pass^k, G-Pass@k_τ, mG-Pass@k, cover@τ and the sharpening tax (passbound.metrics.reliability)
against hand-computed small cases, exact binomials (math.comb) and pass@k at the limits."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from passbound.metrics.passk import pass_at_k, pass_at_k_matrix
from passbound.metrics.reliability import (
    at_least,
    cover_matrix,
    g_pass_at_k,
    hypergeom_tail,
    mg_pass_at_k,
    normalised_tax,
    pass_hat_k_matrix,
    tax_areas,
)

TAUS = (0.25, 0.5, 0.75, 1.0)


def exact_tail(n: int, c: int, k: int, m: int) -> float:
    """P(at least m of k draws right), from exact integer binomials."""
    return float(sum(Fraction(math.comb(c, j) * math.comb(n - c, k - j), math.comb(n, k)) for j in range(m, k + 1)))


def test_hand_computed_small_cases() -> None:
    # n = 5, c = 3: pass^2 = C(3,2)/C(5,2) = 3/10, pass^3 = 1/10, pass^4 = 0.
    np.testing.assert_allclose(pass_hat_k_matrix([5], [3], [1, 2, 3, 4, 5]), [[0.6, 0.3, 0.1, 0.0, 0.0]])
    # k = 4 of n = 5 with c = 3: X = 2 (3/5) or 3 (2/5). m = 1, 2, 3, 4 for τ = 1/4 .. 1.
    np.testing.assert_allclose(g_pass_at_k([5], [3], 4, TAUS), [[1.0, 1.0, 0.4, 0.0]])
    assert mg_pass_at_k([5], [3], 4)[0] == pytest.approx(0.5 * (0.4 + 0.0))  # (2/4)(G_{3/4} + G_1)
    # n = 6, c = 3, k = 3: P(X = 0..3) = 1, 9, 9, 1 (/20); mG sums i = ⌈1.5⌉+1 = 3 only: (2/3)(1/20).
    np.testing.assert_allclose(hypergeom_tail([6], [3], 3), [[1.0, 19 / 20, 10 / 20, 1 / 20, 0.0]])
    assert mg_pass_at_k([6], [3], 3)[0] == pytest.approx(2 / 3 / 20)
    # cover: c/n = 0, 1/4, 1/2, 1 at τ = 0, 1/4, 1/2, 3/4, 1.
    np.testing.assert_allclose(cover_matrix([4] * 4, [0, 1, 2, 4], 4).mean(axis=0), [1.0, 0.75, 0.5, 0.25, 0.25])
    # tax, n = 4, c = 2: pass@1..4 = 1/2, 5/6, 1, 1; A(4) = 1/2 + 1/6 + 0 = 2/3, S(4) = (2/3)/(3 * 1/2) = 4/9.
    area, p1 = tax_areas([4], [2], [2, 4])
    np.testing.assert_allclose(area, [[1 / 3, 2 / 3]])
    assert p1[0] == 0.5
    np.testing.assert_allclose(normalised_tax(area[0], p1[0], [2, 4]), [(1 / 3) / 0.5, 4 / 9])


def test_against_exact_binomials() -> None:
    rng = np.random.default_rng(3)
    n = rng.integers(1, 120, 60)
    c = rng.integers(0, n + 1)
    for k in (1, 2, 3, 7, 16):
        got = g_pass_at_k(n, c, k, TAUS)
        hat = pass_hat_k_matrix(n, c, [k])[:, 0]
        for i in range(n.size):
            if k > n[i]:
                assert np.isnan(got[i]).all() and np.isnan(hat[i])
                continue
            want = [exact_tail(int(n[i]), int(c[i]), k, at_least(t, k)) for t in TAUS]
            np.testing.assert_allclose(got[i], want, rtol=1e-9, atol=1e-15)
            assert hat[i] == pytest.approx(float(Fraction(math.comb(int(c[i]), k), math.comb(int(n[i]), k))), rel=1e-12)


def test_limits_tau_to_zero_is_pass_at_k_and_tau_one_is_pass_hat_k() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(16, 300, 80)
    c = rng.integers(0, n + 1)
    for k in (1, 2, 4, 8, 16):
        small = g_pass_at_k(n, c, k, [0.0, 1e-9, 1 / (2 * k)])
        for col in range(3):
            np.testing.assert_allclose(small[:, col], pass_at_k(n, c, k), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(
            g_pass_at_k(n, c, k, [1.0])[:, 0], pass_hat_k_matrix(n, c, [k])[:, 0], rtol=1e-9, atol=1e-15
        )
        # pass^k <= G-Pass@k_τ (falling in τ) <= pass@k
        g = g_pass_at_k(n, c, k, [0.0, *TAUS])
        assert (np.diff(g, axis=1) <= 1e-12).all()
        assert (pass_hat_k_matrix(n, c, [k])[:, 0] <= pass_at_k(n, c, k) + 1e-12).all()


def test_k_one_gives_pass_at_1_for_all_three() -> None:
    n = np.array([1, 3, 8, 8, 1024])
    c = np.array([1, 2, 0, 5, 333])
    pass1 = c / n
    np.testing.assert_allclose(pass_hat_k_matrix(n, c, [1])[:, 0], pass1)
    np.testing.assert_allclose(g_pass_at_k(n, c, 1, [0.0, *TAUS]), np.repeat(pass1[:, None], 5, axis=1))
    # cover@τ's area over τ in (0, 1] is pass@1: on the grid τ = i/n the step function is exact.
    for size in (8, 1024):
        same = np.full(6, size)
        hits = np.array([0, 1, 3, size // 2, size - 1, size])
        area = cover_matrix(same, hits, size)[:, 1:].mean(axis=1)
        np.testing.assert_allclose(area, hits / size)
    assert mg_pass_at_k([4], [2], 1)[0] == 0.0  # the paper's sum is empty at k = 1


def test_cover_counts_a_problem_exactly_at_the_threshold() -> None:
    # 7/10 >= 0.7 and 3/10 >= 0.3 in exact arithmetic; 0.1 * 3 = 0.30000000000000004 in floats.
    assert cover_matrix([10], [3], 10)[0, 3] == 1.0 and cover_matrix([10], [7], 10)[0, 7] == 1.0
    assert cover_matrix([10], [6], 10)[0, 7] == 0.0
    assert at_least(0.7, 10) == 7 and at_least(0.0, 5) == 1 and at_least(1.0, 5) == 5


def test_tax_is_zero_when_every_problem_is_all_or_nothing() -> None:
    n = np.full(5, 16)
    c = np.array([0, 16, 0, 16, 16])
    area, p1 = tax_areas(n, c, [2, 4, 8, 16])
    assert (area == 0.0).all()
    np.testing.assert_array_equal(normalised_tax(area.mean(axis=0), p1.mean(), [2, 4, 8, 16]), [0.0] * 4)
    # pass@1 = 1: no room above pass@1, S undefined.
    area, p1 = tax_areas(np.full(3, 8), np.full(3, 8), [8])
    assert area[0, 0] == 0.0 and np.isnan(normalised_tax(area.mean(axis=0), p1.mean(), [8])).all()


def test_tax_area_uses_every_k_up_to_big_k() -> None:
    n, c = np.array([32, 32, 20]), np.array([3, 17, 1])
    area, _ = tax_areas(n, c, [4, 16])
    for K, col in ((4, 0), (16, 1)):
        curve = pass_at_k_matrix(n, c, list(range(1, K + 1)))
        np.testing.assert_allclose(area[:, col], [sum(row[K - 1] - row[k - 1] for k in range(1, K)) for row in curve])
    s = normalised_tax(area, np.array([0.5, 0.5, 0.5])[:, None], np.array([4, 16])[None, :])
    assert ((0 <= s) & (s <= 2)).all()


def test_large_n_neither_overflows_nor_loses_mass() -> None:
    n = np.array([1024, 1024, 1024, 4096, 4096])
    c = np.array([1, 512, 1023, 2000, 4095])
    with np.errstate(over="raise", invalid="raise", divide="raise", under="ignore"):  # underflow to 0 is exact enough
        tail = hypergeom_tail(n, c, 1024)
        hat = pass_hat_k_matrix(n, c, [1, 64, 1024])
        g = g_pass_at_k(n, c, 1024, TAUS)
        mg = mg_pass_at_k(n, c, 512)
        area, _ = tax_areas(n, c, [1024])
    for x in (tail, hat, g, mg, area):
        assert np.isfinite(x).all()
    np.testing.assert_allclose(tail[:, 0], 1.0, atol=1e-9)  # the probabilities of X = 0..k sum to 1
    assert ((0 <= g) & (g <= 1)).all() and ((0 <= hat) & (hat <= 1)).all()
    # k = n: all samples drawn, X = c exactly: G-Pass@n_τ = [c >= ⌈τ n⌉]
    np.testing.assert_allclose(g[:3], [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 1, 0]])
    assert hat[0, 0] == pytest.approx(1 / 1024)
    assert g[3, 1] == pytest.approx(exact_tail(4096, 2000, 1024, 512), rel=1e-8)
    assert hat[3, 1] == pytest.approx(float(Fraction(math.comb(2000, 64), math.comb(4096, 64))), rel=1e-10)


def test_bad_input_says_what_to_fix() -> None:
    with pytest.raises(ValueError, match="cannot exceed n"):
        g_pass_at_k([4], [5], 2, TAUS)
    with pytest.raises(ValueError, match="tau must lie in"):
        g_pass_at_k([4], [2], 2, [1.5])
    with pytest.raises(ValueError, match="k must be >= 1"):
        pass_hat_k_matrix([4], [2], [0])
    with pytest.raises(ValueError, match="at least one sample"):
        cover_matrix([0], [0], 10)
