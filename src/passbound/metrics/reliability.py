"""Reliability beside coverage: pass^k, G-Pass@k_τ, mG-Pass@k, cover@τ and the sharpening tax.

pass@k asks whether *one* of k samples is right; the follow-ups of the RLVR-boundary study also ask
how *reliably* a model is right, because sharpening (RL) trades the first for the second:

- pass^k = C(c, k) / C(n, k): every one of k samples drawn without replacement is right (Yao et al.
  2024, τ-bench). Unbiased for p^k, as pass@k is for 1 - (1 - p)^k.
- G-Pass@k_τ = Σ_{j ≥ m} C(c, j) C(n-c, k-j) / C(n, k), m = max(⌈τk⌉, 1): at least a share τ of
  the k samples is right, a hypergeometric tail (Liu et al. 2024, "Are Your LLMs Capable of Stable
  Reasoning?"). τ → 0 gives pass@k (m = 1), τ = 1 gives pass^k.
- mG-Pass@k = (2/k) Σ_{i=⌈k/2⌉+1}^{k} G-Pass@k_{i/k}: the paper's sum for the area under G-Pass
  over τ in (0.5, 1] (as in their GPassK code). The sum is empty at k = 1 (0 by construction), so
  callers report it from k = 2.
- cover@τ = share of problems with c/n ≥ τ (Dragoi et al. 2025, "Beyond Pass@k: Breadth-Depth
  Metrics for Reasoning Boundaries"). Its area over τ in (0, 1] is the mean of c/n, i.e. pass@1.
- sharpening tax: the area between a model's pass@k curve and its pass@K, A(K) = Σ_{k<K} [pass@K -
  pass@k], normalised S(K) = A(K) / ((K-1)(1 - pass@1)) (issue 25); A is a mean of per-problem areas.

Every quantity is a product or a sum of non-negative terms in [0, 1] (no binomial is ever formed),
so n = 1024 and beyond neither overflows nor cancels. Arrays are vectorised over problems.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from passbound.metrics.passk import _check, pass_at_k_matrix

Array = npt.NDArray[np.float64]
_CHUNK = 4_000_000  # matrix cells per chunk of problems: memory stays bounded for large P x k


def _counts(n: npt.ArrayLike, c: npt.ArrayLike) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    n_arr, c_arr = _check(n, c)
    n_arr, c_arr = np.broadcast_arrays(np.atleast_1d(n_arr), np.atleast_1d(c_arr))
    if n_arr.ndim != 1:
        raise ValueError(f"n and c must be 1-D arrays over problems, got shape {n_arr.shape}")
    return n_arr, c_arr


def _ks(ks: Sequence[int] | npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    k_arr = np.asarray(list(ks), dtype=np.int64).ravel()
    if k_arr.size and int(k_arr.min()) < 1:
        raise ValueError(f"every k must be >= 1, got {list(ks)}")
    return k_arr


def pass_hat_k_matrix(n: npt.ArrayLike, c: npt.ArrayLike, ks: Sequence[int]) -> Array:
    """pass^k = C(c, k)/C(n, k) for P problems at every k in ``ks``: shape [P, len(ks)], NaN where k > n.

    One cumulative product of (c - j)/(n - j), j < k, per problem: factors in [0, 1], so it
    underflows to 0 at worst (the true value is then below 1e-308) and never overflows.
    """
    n_arr, c_arr = _counts(n, c)
    k_arr = _ks(ks)
    out = np.full((n_arr.size, k_arr.size), np.nan)
    if n_arr.size == 0 or k_arr.size == 0:
        return out
    kmax = int(k_arr.max())
    j = np.arange(kmax, dtype=np.float64)
    chunk = max(1, _CHUNK // kmax)
    for start in range(0, n_arr.size, chunk):
        nn = n_arr[start : start + chunk, None].astype(np.float64)
        cc = c_arr[start : start + chunk, None].astype(np.float64)
        left = nn - j
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(left > 0, np.maximum(cc - j, 0.0) / np.where(left > 0, left, 1.0), 0.0)
        out[start : start + chunk] = np.where(k_arr[None, :] <= nn, np.cumprod(factor, axis=1)[:, k_arr - 1], np.nan)
    return out


def at_least(tau: float, k: int) -> int:
    """m = max(⌈τk⌉, 1), the fewest right samples of k that G-Pass@k_τ asks for. τk is rounded to
    nine decimals first, so 0.7 * 10 = 7.000000000000001 asks for 7, not 8."""
    if not 0.0 <= tau <= 1.0:
        raise ValueError(f"tau must lie in [0, 1], got {tau}")
    return max(math.ceil(round(tau * k, 9)), 1)


def _log_factorials(top: int) -> Array:
    """log(m!) for m = 0..top (lgamma per integer: exact to rounding, unlike a running sum of logs)."""
    return np.array([math.lgamma(m + 1.0) for m in range(top + 1)], dtype=np.float64)


def hypergeom_tail(n: npt.ArrayLike, c: npt.ArrayLike, k: int) -> Array:
    """P(X ≥ j) for j = 0..k+1, X the right samples among k drawn without replacement from n with c
    right: shape [P, k+2] (column k+1 is 0). NaN rows where k > n.

    The probabilities C(c, j) C(n-c, k-j)/C(n, k) are formed in log space from lgamma and
    exponentiated one by one (each lies in [0, 1]); the tails are reverse cumulative sums of them.
    """
    n_arr, c_arr = _counts(n, c)
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    out = np.full((n_arr.size, k + 2), np.nan)
    if n_arr.size == 0:
        return out
    lf = _log_factorials(max(int(n_arr.max()), k))
    j = np.arange(k + 1)[None, :]
    chunk = max(1, _CHUNK // (k + 1))
    for start in range(0, n_arr.size, chunk):
        nn, cc = n_arr[start : start + chunk, None], c_arr[start : start + chunk, None]
        ok = (j <= cc) & (k - j <= nn - cc) & (k <= nn)  # where C(c, j) C(n-c, k-j) > 0
        jj, cj, nj = np.broadcast_arrays(j, cc, nn)

        def lf_at(x: npt.NDArray[np.int64], ok: npt.NDArray[np.bool_] = ok) -> Array:
            return lf[np.where(ok, x, 0)]  # log(x!) where the term exists, a placeholder elsewhere

        log_p = (
            lf_at(cj)
            - lf_at(jj)
            - lf_at(cj - jj)
            + lf_at(nj - cj)
            - lf_at(k - jj)
            - lf_at(nj - cj - k + jj)
            - (lf_at(nj) - lf[k] - lf_at(nj - k))
        )
        pmf = np.where(ok, np.exp(np.minimum(log_p, 0.0)), 0.0)
        tail = np.minimum(np.cumsum(pmf[:, ::-1], axis=1)[:, ::-1], 1.0)
        block = np.concatenate([tail, np.zeros((tail.shape[0], 1))], axis=1)
        out[start : start + chunk] = np.where(k <= nn, block, np.nan)
    return out


def g_pass_at_k(n: npt.ArrayLike, c: npt.ArrayLike, k: int, taus: Sequence[float]) -> Array:
    """G-Pass@k_τ per problem for each τ in ``taus``: shape [P, len(taus)], NaN where k > n."""
    tail = hypergeom_tail(n, c, k)
    return tail[:, [at_least(t, k) for t in taus]]


def mg_pass_at_k(n: npt.ArrayLike, c: npt.ArrayLike, k: int) -> Array:
    """mG-Pass@k per problem, the paper's (2/k) Σ_{i=⌈k/2⌉+1}^{k} G-Pass@k_{i/k}: shape [P]. The
    sum is empty at k = 1, so mG-Pass@1 is 0 by this definition (Liu et al. 2024)."""
    return mg_pass_from_tail(hypergeom_tail(n, c, k))


def mg_pass_from_tail(tail: Array) -> Array:
    """mG-Pass@k from ``hypergeom_tail``'s [P, k+2] tails (for callers that also read G-Pass from them)."""
    k = tail.shape[1] - 2
    out = 2.0 / k * tail[:, math.ceil(k / 2) + 1 : k + 1].sum(axis=1)
    out[np.isnan(tail[:, 0])] = np.nan
    return out


def cover_matrix(n: npt.ArrayLike, c: npt.ArrayLike, steps: int) -> Array:
    """Per problem, whether c/n ≥ τ for τ = i/steps, i = 0..steps: shape [P, steps+1] of 0.0/1.0.

    Compared in integers (c·steps ≥ i·n), so a problem exactly at the threshold counts, whatever
    floating point would make of c/n and i/steps. Its mean over problems is cover@τ.
    """
    n_arr, c_arr = _counts(n, c)
    if steps < 1:
        raise ValueError(f"steps must be >= 1, got {steps}")
    if np.any(n_arr < 1):
        raise ValueError("every problem needs at least one sample (n >= 1) for its share c/n")
    i = np.arange(steps + 1)
    return (c_arr[:, None] * steps >= i[None, :] * n_arr[:, None]).astype(np.float64)


def tax_areas(n: npt.ArrayLike, c: npt.ArrayLike, big_ks: Sequence[int] | npt.NDArray[np.int64]) -> tuple[Array, Array]:
    """Per problem, the area Σ_{k<K} [pass@K - pass@k] for each K in ``big_ks`` ([P, len(big_ks)]),
    and pass@1 ([P]). pass@k is passbound's unbiased estimator at every k = 1..max(K), not only the
    grid's; NaN where K > n."""
    n_arr, c_arr = _counts(n, c)
    k_arr = _ks(big_ks)
    if n_arr.size == 0 or k_arr.size == 0:
        return np.full((n_arr.size, k_arr.size), np.nan), np.full(n_arr.size, np.nan)
    top = int(k_arr.max())
    curve = pass_at_k_matrix(n_arr, c_arr, list(range(1, top + 1)))  # [P, top], column k-1 is pass@k
    below = np.concatenate([np.zeros((curve.shape[0], 1)), np.cumsum(curve, axis=1)], axis=1)  # Σ_{k<K}
    areas = (k_arr - 1)[None, :] * curve[:, k_arr - 1] - below[:, k_arr - 1]
    return areas, curve[:, 0]


def normalised_tax(area: npt.ArrayLike, pass1: npt.ArrayLike, big_k: npt.ArrayLike) -> Array:
    """S(K) = A(K) / ((K-1)(1 - pass@1)); NaN where pass@1 = 1 (no room above pass@1) or K < 2."""
    a, p1, kk = (np.asarray(x, dtype=np.float64) for x in (area, pass1, big_k))
    room = (kk - 1.0) * (1.0 - p1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where((room > 0) & (kk >= 2), a / np.where(room > 0, room, 1.0), np.nan)
