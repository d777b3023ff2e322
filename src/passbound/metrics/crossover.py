"""The crossover k of two pass@k curves with a percentile bootstrap interval over problems.

The point estimate is ``crossing_k`` on the mean curves (the first grid k where the order of the
curves at the first k flips). Users who rerun a study often fail to see the crossing where the
paper put it, so the interval says how firmly the problems place it: each resample draws problems
with replacement (the same draws for both models, as in ``paired_bootstrap_diff``), recomputes
both mean curves and their crossing. A resample whose curves never change order has no crossing;
it counts as "beyond the grid" (+inf) in the percentiles, so an upper bound of NaN reads "at least
one resample in the upper tail never crosses", and ``crossing_share`` gives the share that cross.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from passbound.metrics.bootstrap import resample_counts
from passbound.metrics.series import crossing_k

_TIE_TOL = 1e-12  # as in crossing_k: base >= model counts as the base reaching the model


@dataclass(frozen=True)
class Crossing:
    k: int | None  # point estimate (None: the curves never change order)
    low: int | None  # percentile bounds over resamples; None when the bound lies beyond the grid
    high: int | None
    share: float  # share of resamples whose curves cross; NaN without resamples


def _first_flip(
    ks: npt.NDArray[np.int64], model: npt.NDArray[np.float64], base: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Row-wise crossing_k over [R, K] mean curves: the crossing k per row, +inf where none."""
    leads = model > base + _TIE_TOL
    flipped = np.where(leads[:, :1], ~leads, leads)
    first = np.argmax(flipped, axis=1)
    return np.where(flipped.any(axis=1), ks[first].astype(np.float64), np.inf)


def crossover_interval(
    ks: Sequence[int], model: npt.ArrayLike, base: npt.ArrayLike, *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0
) -> Crossing:
    """Crossover of per-problem pass@k ``model`` and ``base`` ([P, K], row p the same problem in both,
    no NaN) over the grid ``ks``, with a ``ci`` percentile interval from ``n_boot`` paired resamples."""
    pm, pb = np.asarray(model, dtype=np.float64), np.asarray(base, dtype=np.float64)
    if pm.shape != pb.shape or pm.ndim != 2 or pm.shape[1] != len(ks):
        raise ValueError(f"model and base must both be [problems, {len(ks)}], got {pm.shape} and {pb.shape}")
    if pm.shape[0] == 0 or not len(ks):
        return Crossing(None, None, None, float("nan"))
    point = crossing_k(list(ks), pm.mean(axis=0), pb.mean(axis=0))
    if n_boot == 0:
        return Crossing(point, None, None, float("nan"))
    draws = resample_counts(pm.shape[0], n_boot, seed)
    found = _first_flip(np.asarray(ks, dtype=np.int64), draws @ pm / pm.shape[0], draws @ pb / pb.shape[0])
    alpha = (1.0 - ci) / 2.0
    # "lower"/"higher": bounds are grid values (or +inf), never an interpolation between two k.
    low = float(np.percentile(found, 100 * alpha, method="lower"))
    high = float(np.percentile(found, 100 * (1 - alpha), method="higher"))
    return Crossing(point, _as_k(low), _as_k(high), float(np.isfinite(found).mean()))


def _as_k(x: float) -> int | None:
    return int(x) if np.isfinite(x) else None
