"""Adaptive sampling: where a second round of samples goes, and pass@k from unequal sample counts.

Most of a paper-scale budget goes to problems whose pass@k at large k is already certain after a
few samples: a problem solved 10 times in 16 has pass@256 = 1 to many decimals. Round one draws
n0 per problem; round two tops chosen problems up to n, in order of how uncertain their pass@K
(K = n) still is, until the budget is spent.

Uncertainty and estimates come from the empirical-Bayes posterior of ``beta_passk`` (a Beta prior
fitted to every problem's round-one counts): for a problem with n_i samples and c_i passes,

- k <= n_i: the unbiased estimator (Chen et al. 2021), exact in expectation;
- k > n_i: the posterior mean E[1 - (1 - p)^k | c_i, n_i], with its posterior variance
  E[(1 - p)^(2k)] - E[(1 - p)^k]^2 as the error bound that the interval carries.

The estimator is thus unbiased where a problem has at least k samples and model-based where it
has fewer; its bias on simulations is measured in tests/metrics/test_adaptive.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.special import betaln

from passbound.metrics.beta_passk import fit_beta_binomial
from passbound.metrics.passk import pass_at_k_matrix

Array = npt.NDArray[np.float64]


def _miss_moment(c: Array, n: Array, a: float, b: float, k: float) -> Array:
    """E[(1 - p)^k] under the posterior Beta(a + c, b + n - c)."""
    return np.exp(betaln(a + c, b + n - c + k) - betaln(a + c, b + n - c))


def posterior_sd(c: npt.ArrayLike, n: npt.ArrayLike, k: int, prior: tuple[float, float]) -> Array:
    """Posterior standard deviation of each problem's pass@k (the same for its miss probability)."""
    c, n = np.asarray(c, dtype=np.float64), np.asarray(n, dtype=np.float64)
    a, b = prior
    m1, m2 = _miss_moment(c, n, a, b, k), _miss_moment(c, n, a, b, 2 * k)
    return np.sqrt(np.clip(m2 - m1**2, 0.0, None))


def second_round(c0: npt.ArrayLike, n0: int, n: int, budget: float) -> npt.NDArray[np.int64]:
    """Indices of the problems to top up from n0 to n samples, most uncertain pass@n first.

    ``budget``: total samples as a fraction of P x n (round one included). Ties keep problem order.
    """
    c0 = np.asarray(c0, dtype=np.int64)
    P = c0.size
    if not 0 < n0 <= n or not 0.0 < budget <= 1.0:
        raise ValueError(f"need 0 < n0 <= n and 0 < budget <= 1, got n0={n0}, n={n}, budget={budget}")
    spare = int(np.floor(budget * P * n)) - P * n0
    if spare <= 0 or n0 == n or P == 0:
        return np.zeros(0, dtype=np.int64)
    prior = fit_beta_binomial(c0, np.full(P, n0))
    sd = posterior_sd(c0, np.full(P, n0), n, prior)
    order = np.argsort(-sd, kind="stable")
    take = min(P, spare // (n - n0))
    chosen = order[:take]
    return np.sort(chosen[sd[chosen] > 0])


def mixed_pass_at_k(n: npt.ArrayLike, c: npt.ArrayLike, ks: Sequence[int], *, n0: int | None = None,
                    c0: npt.ArrayLike | None = None,
                    prior: tuple[float, float] | None = None) -> tuple[Array, Array]:
    """[P, K] per-problem pass@k (unbiased where n_i >= k, posterior mean where n_i < k) and the
    [P, K] posterior variance of the model-based entries (0 where the estimate is unbiased).

    With ``n0`` and ``c0`` (round one's samples and passes per problem), every k <= n0 uses round
    one alone: which problems got a second round depended on round one, so mixing the rounds there
    would bias the estimate (measured: +4 points at k = n0 on the simulation in the tests)."""
    n, c = np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64)
    est = pass_at_k_matrix(n, c, list(ks))
    if n0 is not None and c0 is not None:
        first = [j for j, k in enumerate(ks) if k <= n0]
        if first:
            est[:, first] = pass_at_k_matrix(np.full(n.size, n0), np.asarray(c0, dtype=np.int64),
                                             [ks[j] for j in first])
    var = np.zeros_like(est)
    short = np.isnan(est)
    if short.any():
        a, b = prior if prior is not None else fit_beta_binomial(c, n)
        cf, nf = c.astype(np.float64), n.astype(np.float64)
        for j, k in enumerate(ks):
            rows = short[:, j]
            if rows.any():
                m1 = _miss_moment(cf[rows], nf[rows], a, b, k)
                m2 = _miss_moment(cf[rows], nf[rows], a, b, 2 * k)
                est[rows, j] = 1.0 - m1
                var[rows, j] = np.clip(m2 - m1**2, 0.0, None)
    return est, var
