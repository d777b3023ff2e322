"""Percentile bootstrap over problems (Efron & Tibshirani 1993, ch. 13).

Problems are the unit of resampling: a benchmark is a sample of problems, and per-problem
pass@k estimates are independent across problems, so resampling problems (with replacement)
carries both sources of noise (which problems, which completions). A paired comparison
resamples the *same* problem indices for both models, which cancels the shared difficulty.

Vectorised: each resample is a row of counts (how often each problem was drawn), so all
bootstrap means are one matrix product ``counts[n_boot, P] @ values[P, K] / P``.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

Array = npt.NDArray[np.float64]


def _as_matrix(x: npt.ArrayLike, name: str) -> Array:
    arr = np.asarray(x, dtype=np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(f"{name} must be [problems] or [problems, k], got shape {arr.shape}")
    return arr


def _check_args(n_boot: int, level: float) -> None:
    if n_boot < 0:
        raise ValueError(f"n_boot must be >= 0, got {n_boot}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be in (0, 1), e.g. 0.95; got {level}")


def resample_counts(n_problems: int, n_boot: int, seed: int | np.random.Generator) -> npt.NDArray[np.float64]:
    """[n_boot, P] matrix: how many times each problem is drawn in each bootstrap resample.

    Draws the index matrix ``rng.integers(0, P, (n_boot, P))`` and counts it per row.
    """
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, n_problems, size=(n_boot, n_problems))
    flat = idx + (np.arange(n_boot) * n_problems)[:, None]
    counts = np.bincount(flat.ravel(), minlength=n_boot * n_problems)
    return counts.reshape(n_boot, n_problems).astype(np.float64)


def _percentiles(boot_means: Array, level: float) -> tuple[Array, Array]:
    alpha = (1.0 - level) / 2.0
    low, high = np.percentile(boot_means, [100 * alpha, 100 * (1 - alpha)], axis=0)
    return low, high


def bootstrap_ci(
    per_problem: npt.ArrayLike, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[Array, Array]:
    """Percentile CI for the mean over problems of each column of ``per_problem`` [P, K].

    Returns ``(low[K], high[K])``. A column with any NaN (k > n for some problem) gives NaN;
    so does P == 0 or n_boot == 0 (no interval can be formed).
    """
    _check_args(n_boot, level)
    x = _as_matrix(per_problem, "per_problem")
    if x.shape[0] == 0 or n_boot == 0:
        nan = np.full(x.shape[1], np.nan)
        return nan, nan.copy()
    boot = resample_counts(x.shape[0], n_boot, seed) @ x / x.shape[0]
    return _percentiles(boot, level)


def paired_bootstrap_diff(
    a: npt.ArrayLike, b: npt.ArrayLike, n_boot: int = 1000, level: float = 0.95, seed: int = 0
) -> tuple[Array, Array, Array]:
    """Mean difference ``a - b`` over the same P problems, with a paired percentile CI.

    ``a`` and ``b`` are [P, K] (row p is the same problem in both). Returns ``(diff[K],
    low[K], high[K])``; every resample uses the same problem indices for both models.
    """
    _check_args(n_boot, level)
    xa, xb = _as_matrix(a, "a"), _as_matrix(b, "b")
    if xa.shape != xb.shape:
        raise ValueError(f"a and b must have the same shape (same problems, same k), got {xa.shape} and {xb.shape}")
    d = xa - xb
    if d.shape[0] == 0:
        nan = np.full(d.shape[1], np.nan)
        return nan, nan.copy(), nan.copy()
    diff = d.mean(axis=0)
    if n_boot == 0:
        nan = np.full(d.shape[1], np.nan)
        return diff, nan, nan.copy()
    boot = resample_counts(d.shape[0], n_boot, seed) @ d / d.shape[0]
    low, high = _percentiles(boot, level)
    return diff, low, high
