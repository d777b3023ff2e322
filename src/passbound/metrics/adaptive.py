"""Adaptive sampling: where a second round of samples goes, and pass@k from unequal sample counts.

Most of a paper-scale budget goes to problems whose pass@k at large k is already certain after a
few samples: a problem solved 10 times in 16 has pass@256 = 1 to many decimals. Round one draws
n0 per problem; round two tops chosen problems up to n, in order of how uncertain their pass@K
(K = n) still is, until the budget is spent.

Uncertainty and estimates come from the empirical-Bayes posterior of ``beta_passk`` (a Beta prior
fitted to every problem's round-one counts): for a problem with n_i samples and c_i passes,

- where unbiased estimation is possible despite the choice of round two (k <= n0 from round one;
  k up to a topped-up problem's round-two count from round two alone): the unbiased estimator
  (Chen et al. 2021);
- elsewhere: the posterior mean E[1 - (1 - p)^k | c_i, n_i], with its posterior variance
  E[(1 - p)^(2k)] - E[(1 - p)^k]^2 as the error bound that the interval carries.

Its bias on simulations is measured in tests/metrics/test_adaptive.py.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.special import betaln

from passbound.metrics.beta_passk import fit_beta_binomial
from passbound.metrics.passk import pass_at_k_matrix

Array = npt.NDArray[np.float64]
_SETTLED = 1e-3  # posterior sd of pass@n below this: the problem is settled, round two would be wasted


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

    Uncertainty is the posterior sd of pass@n under the uniform prior Beta(1, 1), not the fitted
    one: when round one solves nothing (a weak model, a hard benchmark) the fitted prior collapses
    to p = 0 and would call every problem settled, exactly where round two should look.
    ``budget``: total samples as a fraction of P x n (round one included). Ties keep problem order.
    """
    c0 = np.asarray(c0, dtype=np.int64)
    P = c0.size
    if not 0 < n0 <= n or not 0.0 < budget <= 1.0:
        raise ValueError(f"need 0 < n0 <= n and 0 < budget <= 1, got n0={n0}, n={n}, budget={budget}")
    spare = int(np.floor(budget * P * n)) - P * n0
    if spare <= 0 or n0 == n or P == 0:
        return np.zeros(0, dtype=np.int64)
    sd = posterior_sd(c0, np.full(P, n0), n, (1.0, 1.0))
    order = np.argsort(-sd, kind="stable")
    take = min(P, spare // (n - n0))
    chosen = order[:take]
    return np.sort(chosen[sd[chosen] > _SETTLED])


def mixed_pass_at_k(n: npt.ArrayLike, c: npt.ArrayLike, ks: Sequence[int], *, n0: int | None = None,
                    c0: npt.ArrayLike | None = None,
                    prior: tuple[float, float] | None = None) -> tuple[Array, Array]:
    """[P, K] per-problem pass@k and the [P, K] posterior variance of its model-based entries
    (0 where the estimate is unbiased).

    Without ``n0``/``c0``: unbiased where n_i >= k, the posterior mean where n_i < k.

    With them (an adaptive run: round one drew ``n0`` per problem, ``c0`` passes), round two was
    chosen from round one, so any estimate that mixes round one's samples of a topped-up problem
    is biased (measured on the tests' simulation: +4 points at k = n0, -1.4 points at k = 2 n0).
    Hence: k <= n0 uses round one alone for every problem; a topped-up problem with at least k
    round-two samples uses those alone (unbiased: round two is independent of the choice); every
    other entry is the posterior mean given all of that problem's samples, which the choice does
    not bias (it depends on observed data only), with the prior fitted to round one (to all
    samples where round one passed nothing, or everything: a prior fitted to that collapses).
    """
    n, c = np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64)
    ks = list(ks)
    if n0 is None or c0 is None:
        est = pass_at_k_matrix(n, c, ks)
        short = np.isnan(est)
        fit_c, fit_n = c, n
    else:
        c0 = np.asarray(c0, dtype=np.int64)
        est = np.full((n.size, len(ks)), np.nan)
        first = [j for j, k in enumerate(ks) if k <= n0]
        if first:
            est[:, first] = pass_at_k_matrix(np.full(n.size, n0), c0, [ks[j] for j in first])
        later = [j for j, k in enumerate(ks) if k > n0]
        if later:
            m = np.maximum(n - n0, 0)  # round-two samples per problem
            second = pass_at_k_matrix(np.maximum(m, 1), np.where(m > 0, c - c0, 0), [ks[j] for j in later])
            second[m == 0] = np.nan
            est[:, later] = second
        short = np.isnan(est)
        fit_c, fit_n = c0, np.full(n.size, n0)
        if c0.sum() in (0, n0 * n.size):
            # Round one all failures (or all passes): its fitted prior collapses to p = 0 (or 1) and
            # calls every problem it did not top up settled, with a zero error bound. Fit to every
            # sample instead: round two was chosen from observed counts only, so the beta-binomial
            # likelihood of all counts is still the right one (the choice is ignorable for it).
            fit_c, fit_n = c, n
    var = np.zeros_like(est)
    if short.any():
        a, b = prior if prior is not None else fit_beta_binomial(fit_c, fit_n)
        cf, nf = c.astype(np.float64), n.astype(np.float64)
        for j, k in enumerate(ks):
            rows = short[:, j]
            if rows.any():
                m1 = _miss_moment(cf[rows], nf[rows], a, b, k)
                m2 = _miss_moment(cf[rows], nf[rows], a, b, 2 * k)
                est[rows, j] = 1.0 - m1
                var[rows, j] = np.clip(m2 - m1**2, 0.0, None)
    return est, var
