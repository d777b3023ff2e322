"""Adaptive sampling: where a second round of samples goes, pass@k from unequal sample counts,
and how far that curve can be from the one the full budget would have measured.

Most of a paper-scale budget goes to problems whose pass@k at large k is already certain after a
few samples: a problem solved 10 times in 16 has pass@256 = 1 to many decimals. Round one draws
n0 per problem; round two tops chosen problems up to n, in order of how uncertain their pass@K
(K = n) still is, until the budget is spent.

Estimates: for a problem with n_i samples and c_i passes,

- where unbiased estimation is possible despite the choice of round two (k <= n0 from round one;
  k up to a topped-up problem's round-two count from round two alone): the unbiased estimator
  (Chen et al. 2021);
- elsewhere: the posterior mean E[1 - (1 - p)^k | c_i, n_i] (the Beta-binomial pass@k of
  Kazdan et al. 2025 and Schaeffer et al. 2025), with the prior over the benchmark's success
  probabilities not one ML fit but a grid posterior given every problem's counts, round two
  included (``_grid_posterior``): a Beta, or a Beta plus a share of impossible problems (p = 0).

The interval (``prediction_error``, ``widen``): the bootstrap over problems, widened in quadrature
by the root-mean-square error of the adaptive curve as a prediction of the full-budget curve under
that posterior predictive. Four samples per problem with almost no passes cannot pin the prior's
shape near p = 0, which decides pass@k at k >> n0; one fitted prior and its posterior variance
left that out (on the weak-model simulation +8.4 points at k = n = 32, held by the interval in 40%
of runs). Coverage and bias per k: perf/adaptive_sim.py and tests/metrics/test_adaptive.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import numpy.typing as npt
from scipy.special import betaln, gammaln

from passbound.metrics.beta_passk import _pairs
from passbound.metrics.bootstrap import bootstrap_ci
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


def replay(draws: npt.ArrayLike, n0: int, budget: float) -> tuple[npt.NDArray[np.int64], ...]:
    """What an adaptive run would have seen of a full run's outcomes: ``draws`` [P, n] (True = pass,
    each problem's samples in drawing order) -> (samples n_i, passes c_i, round-one passes c0_i).

    Round one is each problem's first ``n0`` samples; ``second_round`` picks from them the problems
    topped up to all n. Simulations and a finished full run replay the design the same way, so its
    cost and its error can be measured where the full-budget answer is known.
    """
    draws = np.asarray(draws, dtype=bool)
    P, n = draws.shape
    c0 = draws[:, :n0].sum(axis=1).astype(np.int64)
    top = second_round(c0, n0, n, budget)
    counts, c = np.full(P, n0, dtype=np.int64), c0.copy()
    counts[top], c[top] = n, draws[top].sum(axis=1)
    return counts, c, c0


def mixed_pass_at_k(
    n: npt.ArrayLike,
    c: npt.ArrayLike,
    ks: Sequence[int],
    *,
    n0: int | None = None,
    c0: npt.ArrayLike | None = None,
    prior: tuple[float, float] | None = None,
) -> tuple[Array, Array]:
    """[P, K] per-problem pass@k and the [P, K] posterior variance of its model-based entries
    (0 where the estimate is unbiased).

    Without ``n0``/``c0``: unbiased where n_i >= k, the posterior mean where n_i < k.

    With them (an adaptive run: round one drew ``n0`` per problem, ``c0`` passes), round two was
    chosen from round one, so any estimate that mixes round one's samples of a topped-up problem
    is biased (measured on the tests' simulation: +4 points at k = n0, -1.4 points at k = 2 n0).
    Hence: k <= n0 uses round one alone for every problem; a topped-up problem with at least k
    round-two samples uses those alone (unbiased: round two is independent of the choice); every
    other entry is the posterior mean given all of that problem's samples, which the choice does
    not bias (it depends on observed data only). The prior is learnt from every sample, round two
    included: the choice depends on observed counts only, so the likelihood of all counts is still
    the right one (Rubin 1976, ignorability). Fitted by ML to round one alone (4 samples x 24
    problems, ~2 passes) its shape near p = 0 was a guess: +8.4 points at k = n = 32 on the
    weak-model simulation (tests/metrics/test_adaptive.py measures it). The posterior mean is
    averaged over ``_prior_posterior``'s grid; ``prior`` = (a, b) uses that one Beta instead.
    """
    n, c = np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64)
    ks = list(ks)
    if n0 is None or c0 is None:
        est = pass_at_k_matrix(n, c, ks)
        short = np.isnan(est)
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
    var = np.zeros_like(est)
    if short.any():
        priors, weights = _prior_posterior(c, n) if prior is None else (np.array([[*prior, 0.0]]), np.ones(1))
        pairs, inv = np.unique(np.stack([c, n], axis=1), axis=0, return_inverse=True)  # problems sharing (c, n)
        inv = inv.ravel()
        for j, k in enumerate(ks):
            rows = short[:, j]
            if rows.any():
                m1 = weights @ _miss(pairs[:, 0], pairs[:, 1], priors, k)
                m2 = weights @ _miss(pairs[:, 0], pairs[:, 1], priors, 2 * k)
                est[rows, j] = 1.0 - m1[inv[rows]]
                var[rows, j] = np.clip(m2 - m1**2, 0.0, None)[inv[rows]]
    return est, var


_GRID = (32, 32, 16)  # grid points for the prior's mean, concentration and share of impossible problems
_MASS = 0.999  # the grid posterior keeps its heaviest points up to this much mass ...
_POINTS = 512  # ... and at most this many


def _miss(c: npt.NDArray[np.int64], n: npt.NDArray[np.int64], priors: Array, k: int) -> Array:
    """[G, P] E[(1 - p)^k | c, n] under each prior (a, b, pi) of ``priors`` [G, 3]: p = 0 with
    probability pi (an impossible problem), else Beta(a, b)."""
    a, b, pi = (priors[:, i, None] for i in range(3))
    cf, nf = c[None, :].astype(np.float64), n[None, :].astype(np.float64)
    beta = np.exp(betaln(a + cf, b + nf - cf + k) - betaln(a + cf, b + nf - cf))
    return np.where(cf == 0, _impossible(nf, a, b, pi) * (1.0 - beta) + beta, beta)


def _impossible(n: Array, a: Array, b: Array, pi: Array) -> Array:
    """P(p = 0 | no pass in n samples) under the prior (a, b, pi)."""
    return pi / (pi + (1.0 - pi) * np.exp(betaln(a, b + n) - betaln(a, b)))


def _log_posterior(cu: Array, nu: Array, w: Array, lm: Array, lk: Array) -> tuple[Array, Array, Array, Array]:
    """Log posterior (unnormalised) of the prior on the grid logit(mu) x log(kappa) x pi; with
    the grid's a, b and pi, flattened. ``cu``, ``nu``, ``w``: distinct (c, n) pairs and counts."""
    gp = _GRID[2]
    pis = np.concatenate([[0.0], (np.arange(gp) + 0.5) / gp])
    LM, LK, pi = (g.ravel() for g in np.meshgrid(lm, lk, pis, indexing="ij"))
    mu, kappa = 1.0 / (1.0 + np.exp(-LM)), np.exp(LK)
    a, b = mu * kappa, (1.0 - mu) * kappa
    # log P(c | n) up to the binomial coefficient: (1 - pi) B(a + c, b + n - c) / B(a, b) + pi [c = 0]
    lik = (
        np.log1p(-pi)[:, None]
        + betaln(a[:, None] + cu[None, :], b[:, None] + (nu - cu)[None, :])
        - betaln(a, b)[:, None]
    )
    with np.errstate(divide="ignore"):
        lik = np.where(cu[None, :] == 0, np.logaddexp(lik, np.log(pi)[:, None]), lik)
    log_prior = np.log(mu * (1.0 - mu)) + np.where(pi == 0.0, np.log(0.5), np.log(0.5 / gp))
    return lik @ w + log_prior, a, b, pi


_LAST: dict[bytes, tuple[Array, Array]] = {}  # the last grid posterior: the estimate and its error share it


def _prior_posterior(c: npt.NDArray[np.int64], n: npt.NDArray[np.int64]) -> tuple[Array, Array]:
    """``_grid_posterior``, remembered for the last counts it was asked about."""
    key = np.stack([c, n]).astype(np.int64).tobytes()
    if key not in _LAST:
        _LAST.clear()
        _LAST[key] = _grid_posterior(c, n)
    return _LAST[key]


def _grid_posterior(c: npt.NDArray[np.int64], n: npt.NDArray[np.int64]) -> tuple[Array, Array]:
    """Grid posterior of the prior given every problem's counts: p = 0 with probability pi (a
    problem no sample can solve; a Beta has no room for these), else Beta(a, b). Even prior odds
    on pi = 0 (a plain Beta) against pi > 0 (flat), flat on the mean mu = a / (a + b) and on
    log(a + b) in [0.01, 1e4]. An ML fit is one point of this; with few passes the likelihood is
    flat along the shape near p = 0, and the grid keeps every shape the data allow (Gelman et al.,
    BDA3 5.3, a grid over a hierarchical model's hyperparameters). A second grid zooms in on where
    the first put its mass, so a sharp posterior (many problems) is not rounded to one coarse
    point. Returns the heaviest points (a, b, pi) [G, 3] and their weights [G]."""
    cu, nu, w = _pairs(c, n)
    lm, lk = np.linspace(-9.0, 9.0, _GRID[0]), np.linspace(np.log(1e-2), np.log(1e4), _GRID[1])
    for zoom in (False, True):
        logpost, a, b, pi = _log_posterior(cu, nu, w, lm, lk)
        wt = np.exp(logpost - logpost.max())
        if not zoom:
            shape = (lm.size, lk.size, -1)
            seen = (wt > 1e-9).reshape(shape).any(axis=2)
            i, j = np.flatnonzero(seen.any(axis=1)), np.flatnonzero(seen.any(axis=0))
            lm = np.linspace(lm[max(i[0] - 1, 0)], lm[min(i[-1] + 1, lm.size - 1)], _GRID[0])
            lk = np.linspace(lk[max(j[0] - 1, 0)], lk[min(j[-1] + 1, lk.size - 1)], _GRID[1])
    order = np.argsort(-wt)
    cum = np.cumsum(wt[order]) / wt.sum()
    keep = order[: min(_POINTS, int(np.searchsorted(cum, _MASS)) + 1)]
    return np.stack([a[keep], b[keep], pi[keep]], axis=1), wt[keep] / wt[keep].sum()


def _full_moments(
    c0: npt.NDArray[np.int64],
    c: npt.NDArray[np.int64],
    n: npt.NDArray[np.int64],
    n0: int,
    n_full: int,
    ks: Sequence[int],
    priors: Array,
) -> tuple[Array, Array, npt.NDArray[np.intp]]:
    """Per prior (a, b, pi): [G, U, K] E[f] and E[f^2] over the U distinct (c0, c, n) of a
    problem's full-budget estimate f = pass@k(n_full, c0 + X), and each problem's index into U [P].

    The full run shares round one and draws m = n_full - n0 more samples; X, the passes among
    them, is BetaBinomial(m, a + c, b + n - c) under the posterior given every adaptive sample,
    or 0 where the problem is impossible (posterior probability ``_impossible`` when c = 0)."""
    keys, inv = np.unique(np.stack([c0, c, n], axis=1), axis=0, return_inverse=True)
    m = n_full - n0
    x = np.arange(m + 1)
    f = np.stack([pass_at_k_matrix(np.full(x.size, n_full), int(k0) + x, ks) for k0 in keys[:, 0]])  # [U, m+1, K]
    a, b, pi = (priors[:, i, None, None] for i in range(3))  # [G, 1, 1]
    al = a + keys[None, :, 1, None]  # [G, U, 1]
    be = b + (keys[:, 2] - keys[:, 1])[None, :, None]
    log_choose = gammaln(m + 1) - gammaln(x + 1) - gammaln(m - x + 1)
    pmf = np.exp(log_choose + betaln(x + al, m - x + be) - betaln(al, be))  # [G, U, m+1]
    zero = np.where(keys[None, :, 1, None] == 0, _impossible(keys[None, :, 2, None].astype(np.float64), a, b, pi), 0.0)
    pmf = (1.0 - zero) * pmf
    pmf[:, :, 0] += zero[:, :, 0]
    return np.einsum("gux,uxk->guk", pmf, f), np.einsum("gux,uxk->guk", pmf, f**2), inv.ravel()


def prediction_error(
    n: npt.ArrayLike,
    c: npt.ArrayLike,
    ks: Sequence[int],
    est: Array,
    *,
    n0: int,
    c0: npt.ArrayLike,
    n_full: int | None = None,
) -> Array:
    """[K] E[(F - A)^2 | data]: the mean squared error of the adaptive curve A (``est`` [P, K]
    averaged over problems) as a prediction of F, the curve a full run sharing round one would
    measure (the unbiased estimator on ``n_full`` samples per problem; default the most any
    problem has, at least max(ks)).

    Posterior predictive (Gelman et al., BDA3 ch. 5-6): given a prior (a, b, pi), each problem's
    full-budget estimate has the exact moments of ``_full_moments``, independent across problems,
    so E[(F - A)^2 | prior] = sum_i Var(f_i) / P^2 + (mean_i E[f_i] - A)^2; then averaged over
    the grid posterior of the prior, which carries the prior's own uncertainty (what a single
    fitted prior leaves out). Under that model it is the error the interval must carry.
    """
    n, c, c0 = (np.asarray(x, dtype=np.int64) for x in (n, c, c0))
    n_full = max(int(n.max()), max(ks)) if n_full is None else n_full
    priors, weights = _prior_posterior(c, n)
    m1, m2, inv = _full_moments(c0, c, n, n0, n_full, ks, priors)
    per_key = np.bincount(inv, minlength=m1.shape[1]).astype(np.float64)  # problems per (c0, c, n)
    var = np.einsum("u,guk->gk", per_key, np.clip(m2 - m1**2, 0.0, None)) / n.size**2
    shift = np.einsum("u,guk->gk", per_key, m1) / n.size - est.mean(axis=0)
    return weights @ (var + shift**2)


def widen(mean: Array, low: Array, high: Array, error: Array, ci: float) -> tuple[Array, Array]:
    """The bootstrap interval widened by z x sqrt(``error``), added in quadrature on each side."""
    extra = NormalDist().inv_cdf(0.5 + ci / 2) * np.sqrt(error)
    return (
        np.clip(mean - np.sqrt((mean - low) ** 2 + extra**2), 0.0, 1.0),
        np.clip(mean + np.sqrt((high - mean) ** 2 + extra**2), 0.0, 1.0),
    )


def adaptive_curve(
    n: npt.ArrayLike,
    c: npt.ArrayLike,
    ks: Sequence[int],
    *,
    n0: int,
    c0: npt.ArrayLike,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> tuple[Array, Array, Array]:
    """Benchmark pass@k [K] of an adaptive run and its interval (low [K], high [K]), as the
    analysis reports them."""
    est, _ = mixed_pass_at_k(n, c, ks, n0=n0, c0=c0)
    mean = est.mean(axis=0)
    low, high = bootstrap_ci(est, n_boot, ci, seed)
    return (mean, *widen(mean, low, high, prediction_error(n, c, ks, est, n0=n0, c0=c0), ci))
