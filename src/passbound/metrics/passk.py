"""Unbiased pass@k (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", eq. 1).

With n samples of which c are correct, the probability that a uniformly random k-subset holds
at least one correct sample is ``1 - C(n-c, k) / C(n, k)``. The binomials overflow for the n
this project uses (1024+), so we evaluate the ratio as a product of factors in (0, 1]:

    C(n-c, k) / C(n, k) = prod_{i=n-c+1}^{n} (1 - k/i) = prod_{j=0}^{k-1} (1 - c/(n-j))

(both are the same ratio of falling factorials; we use whichever has fewer factors). When
``n - c < k`` a factor is exactly zero, so pass@k is exactly 1.0 without a special case.

Where ``k > n`` there is no k-subset at all: the estimate is undefined and we return NaN, never
a misleading 1.0 (inspect_ai's ``pass_at`` does the same).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

ArrayLike = int | Sequence[int] | npt.NDArray[np.integer]


def _as_counts(x: object, name: str) -> npt.NDArray[np.int64]:
    """Validate that ``x`` holds non-negative whole numbers and return it as int64."""
    arr = np.asarray(x)
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"{name} must be a non-negative integer (or an array of them), got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise ValueError(f"{name} must hold whole numbers; got non-integer or NaN values")
    out = arr.astype(np.int64)
    if np.any(out < 0):
        raise ValueError(f"{name} must be non-negative; got {out[out < 0].ravel()[:5].tolist()}")
    return out


def _check(n: object, c: object) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    n_arr, c_arr = _as_counts(n, "n (samples)"), _as_counts(c, "c (correct samples)")
    try:
        too_many = c_arr > n_arr
    except ValueError as exc:  # shapes do not broadcast
        raise ValueError(f"n and c have incompatible shapes {n_arr.shape} and {c_arr.shape}") from exc
    if np.any(too_many):
        bad = np.broadcast_arrays(n_arr, c_arr)
        raise ValueError(
            "c (correct samples) cannot exceed n (samples); first offending pair: "
            f"n={int(bad[0][too_many].ravel()[0])}, c={int(bad[1][too_many].ravel()[0])}"
        )
    return n_arr, c_arr


def pass_at_k(n: ArrayLike, c: ArrayLike, k: ArrayLike) -> float | npt.NDArray[np.float64]:
    """Unbiased pass@k for n samples with c correct; broadcasts over array inputs.

    Returns a float for scalar inputs, otherwise an array of the broadcast shape. NaN where
    ``k > n``. Raises ValueError for negative or non-integer counts, ``c > n`` or ``k < 1``.
    """
    n_arr, c_arr = _check(n, c)
    k_arr = _as_counts(k, "k")
    if np.any(k_arr < 1):
        raise ValueError("k must be >= 1 (pass@k is the chance that one of k samples is correct)")
    n_b, c_b, k_b = np.broadcast_arrays(n_arr, c_arr, k_arr)
    defined = k_b <= n_b
    # Use the shorter of the two equal products: min(c, k) factors of the form 1 - a/(n - j).
    a = np.where(c_b <= k_b, k_b, c_b).astype(np.float64)
    terms = np.where(defined, np.minimum(c_b, k_b), 0)
    if n_b.size == 1:  # one value: a single vectorised product, no loop
        js = np.arange(int(terms.ravel()[0]))
        fail = np.full(n_b.shape, np.prod(1.0 - a.ravel()[0] / (n_b.ravel()[0] - js)))
        out = np.where(defined, 1.0 - fail, np.nan)
        return float(out) if out.ndim == 0 else out
    fail = np.ones(n_b.shape, dtype=np.float64)
    for j in range(int(terms.max(initial=0))):
        active = terms > j
        denom = np.where(active, n_b - j, 1).astype(np.float64)
        fail *= np.where(active, 1.0 - a / denom, 1.0)
    out = np.where(defined, 1.0 - fail, np.nan)
    if out.ndim == 0:
        return float(out)
    return out


def pass_at_k_matrix(n: ArrayLike, c: ArrayLike, ks: Sequence[int]) -> npt.NDArray[np.float64]:
    """pass@k for P problems at every k in ``ks`` at once: returns an array of shape [P, len(ks)].

    Vectorised over problems and k: one cumulative product over ``j`` of ``1 - c/(n-j)`` gives
    ``C(n-c, k)/C(n, k)`` for every k up to max(ks) (Chen et al. 2021, product form). Problems
    are processed in chunks so memory stays bounded for large P x max(ks). NaN where k > n.
    """
    n_arr, c_arr = _check(n, c)
    n_arr, c_arr = np.broadcast_arrays(np.atleast_1d(n_arr), np.atleast_1d(c_arr))
    if n_arr.ndim != 1:
        raise ValueError(f"n and c must be 1-D arrays over problems, got shape {n_arr.shape}")
    k_arr = _as_counts(list(ks), "ks").ravel()
    if np.any(k_arr < 1):
        raise ValueError("every k must be >= 1")
    out = np.full((n_arr.size, k_arr.size), np.nan)
    if n_arr.size == 0 or k_arr.size == 0:
        return out
    kmax = int(k_arr.max())
    j = np.arange(kmax, dtype=np.float64)
    chunk = max(1, 4_000_000 // kmax)
    for start in range(0, n_arr.size, chunk):
        nn = n_arr[start : start + chunk, None].astype(np.float64)
        cc = c_arr[start : start + chunk, None].astype(np.float64)
        remaining = nn - j  # samples left after drawing j failures
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(remaining > 0, 1.0 - cc / np.where(remaining > 0, remaining, 1.0), 0.0)
        fail = np.cumprod(np.maximum(ratio, 0.0), axis=1)[:, k_arr - 1]
        out[start : start + chunk] = np.where(k_arr[None, :] <= nn, 1.0 - fail, np.nan)
    return out
