"""pass@k from Beta posteriors over each problem's success probability: Bayes@N and pass@k past n.

A problem's samples are Bernoulli(p) draws; with a Beta(a, b) prior on p, c passes in n samples
give the posterior Beta(a + c, b + n - c), and a problem's pass@k = 1 - (1 - p)^k has the posterior
mean (the Beta function ratio of E[(1 - p)^k], B = the Beta function)

    E[pass@k | c, n] = 1 - B(a + c, b + n - c + k) / B(a + c, b + n - c),

defined for every k, also k > n. Two priors:

- **Bayes@N** (Hariri et al. 2025, "Don't Pass@k: A Bayesian Framework for Large Language Model
  Evaluation"): the uniform prior Beta(1, 1), the binary case of their Dirichlet model. Its
  credible interval is the posterior's, for this benchmark's problems (Monte-Carlo draws of every
  problem's p, averaged over problems).
- **Past n** (Schaeffer et al. 2025, "How Do Large Language Monkeys Get Their Power (Laws)?";
  Kazdan et al. 2025, "Efficient Prediction of Pass@k Scaling in Large Language Models"): p varies
  across a benchmark's problems as Beta(a, b), fitted by maximum likelihood of the beta-binomial
  marginal Σ log[C(n, c) B(a + c, b + n - c) / B(a, b)]; each problem's posterior under that prior
  predicts its pass@k for k > n. The interval is a percentile bootstrap over problems (refitting
  a, b each time), the same unit of resampling as the measured curves' CIs. It assumes p has a
  Beta shape: a problem no sample can solve (p = 0 exactly) has no place in it, so predictions far
  past n drift up; the run checks itself by predicting pass@n from a quarter of the samples.

Everything depends on a problem only through (c, n), so fits and bootstraps run on the distinct
(c, n) pairs with their counts: a bootstrap resample is a multinomial draw of those counts.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy.optimize import minimize
from scipy.special import betaln

Array = npt.NDArray[np.float64]
_BLOCK = 128  # problems drawn at once in bayes_at_n
_BOUNDS = (-9.0, 9.0)  # log a, log b: a, b in [1.2e-4, 8.1e3]


def _pairs(c: npt.ArrayLike, n: npt.ArrayLike) -> tuple[Array, Array, Array]:
    """Distinct (c, n) pairs and how many problems have each."""
    c, n = np.asarray(c, dtype=np.int64), np.asarray(n, dtype=np.int64)
    if c.shape != n.shape or c.ndim != 1 or c.size == 0:
        raise ValueError(f"c and n must be equal-length, non-empty 1-d arrays; got {c.shape} and {n.shape}")
    if np.any(n < 1) or np.any(c < 0) or np.any(c > n):
        raise ValueError("need 0 <= c <= n and n >= 1 for every problem")
    pairs, counts = np.unique(np.stack([c, n], axis=1), axis=0, return_counts=True)
    return pairs[:, 0].astype(np.float64), pairs[:, 1].astype(np.float64), counts.astype(np.float64)


def posterior_pass_at_k(c: npt.ArrayLike, n: npt.ArrayLike, a: float, b: float, ks: Sequence[int]) -> Array:
    """[P, K] posterior mean of each problem's pass@k under the prior Beta(a, b)."""
    c = np.asarray(c, dtype=np.float64)[:, None]
    n = np.asarray(n, dtype=np.float64)[:, None]
    k = np.asarray(ks, dtype=np.float64)[None, :]
    return -np.expm1(betaln(a + c, b + n - c + k) - betaln(a + c, b + n - c))


def fit_beta_binomial(
    c: npt.ArrayLike,
    n: npt.ArrayLike,
    weights: npt.ArrayLike | None = None,
    *,
    _pairs_given: bool = False,
    start: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """Maximum-likelihood Beta(a, b) of the problems' success probabilities (beta-binomial)."""
    if _pairs_given:
        cu, nu, w = np.asarray(c, float), np.asarray(n, float), np.asarray(weights, float)
    else:
        cu, nu, w = _pairs(c, n)
    keep = w > 0
    cu, nu, w = cu[keep], nu[keep], w[keep]

    def negloglik(theta: Array) -> float:
        a, b = np.exp(theta)
        return -float(np.sum(w * (betaln(a + cu, b + nu - cu) - betaln(a, b))))

    mean = float(np.clip(np.sum(w * cu / nu) / np.sum(w), 0.02, 0.98))
    theta0 = np.log(start) if start is not None else np.log([mean, 1.0 - mean])
    best = minimize(negloglik, theta0, method="L-BFGS-B", bounds=[_BOUNDS, _BOUNDS])
    a, b = np.exp(best.x)
    return float(a), float(b)


def beyond_n(
    c: npt.ArrayLike, n: npt.ArrayLike, ks: Sequence[int], *, n_boot: int = 200, ci: float = 0.95, seed: int = 0
) -> tuple[Array, Array, Array, tuple[float, float]]:
    """Predicted benchmark pass@k (mean over problems) at every k, with a bootstrap interval.

    Returns (predicted [K], low [K], high [K], (a, b) fitted on all problems).
    """
    cu, nu, w = _pairs(c, n)
    a, b = fit_beta_binomial(cu, nu, w, _pairs_given=True)
    predicted = w @ posterior_pass_at_k(cu, nu, a, b, ks) / w.sum()
    if n_boot == 0:
        nan = np.full(len(ks), np.nan)
        return predicted, nan, nan, (a, b)
    rng = np.random.default_rng(seed)
    total = int(w.sum())
    draws = rng.multinomial(total, w / w.sum(), size=n_boot).astype(np.float64)
    boot = np.empty((n_boot, len(ks)))
    for i, wi in enumerate(draws):
        ai, bi = fit_beta_binomial(cu, nu, wi, _pairs_given=True, start=(a, b))
        boot[i] = wi @ posterior_pass_at_k(cu, nu, ai, bi, ks) / total
    tail = (1.0 - ci) / 2.0
    low, high = np.quantile(boot, [tail, 1.0 - tail], axis=0)
    return predicted, low, high, (a, b)


def bayes_at_n(
    c: npt.ArrayLike,
    n: npt.ArrayLike,
    ks: Sequence[int],
    *,
    draws: int = 2000,
    ci: float = 0.95,
    seed: int = 0,
    prior: tuple[float, float] = (1.0, 1.0),
) -> tuple[Array, Array, Array]:
    """Posterior mean of the benchmark's pass@k under a Beta prior per problem, with a credible
    interval from ``draws`` joint posterior draws of every problem's p (this benchmark's problems)."""
    cu, nu, w = _pairs(c, n)
    a, b = prior
    mean = w @ posterior_pass_at_k(cu, nu, a, b, ks) / w.sum()
    rng = np.random.default_rng(seed)
    k = np.asarray(ks, dtype=np.float64)
    totals = np.zeros((draws, k.size))
    # Problems sharing (c, n) share a posterior; draw each problem's p (w of them per pair).
    for ci_, ni, wi in zip(cu, nu, w.astype(np.int64)):
        for size in [_BLOCK] * (wi // _BLOCK) + [wi % _BLOCK]:  # bounded memory: draws x _BLOCK x K
            if size:
                p = rng.beta(a + ci_, b + ni - ci_, size=(draws, size))
                q = np.log1p(-np.minimum(p, 1.0 - 1e-16))  # log(1 - p), finite where p rounds to 1
                totals += (-np.expm1(q[:, :, None] * k[None, None, :])).sum(axis=1)
    curve = totals / w.sum()
    tail = (1.0 - ci) / 2.0
    low, high = np.quantile(curve, [tail, 1.0 - tail], axis=0)
    return mean, low, high
