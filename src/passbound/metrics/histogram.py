"""Histogram of per-problem accuracy c/n (Yue et al. 2025, Fig. 5).

The study's histograms show *how* RL changes a model: mass moves from the middle bins to the
ends (problems become either always or never solved), which raises pass@1 while the count of
never-solved problems (the ``0`` bin) grows, which lowers pass@k at large k. The two end bins
are exact (``0``: no sample passed; ``1``: every sample passed), the rest are tenths, half-open
on the left: (0, 0.1], (0.1, 0.2], ..., (0.8, 0.9], and (0.9, 1) for "almost always".

Bins are computed in integers (``ceil(10 c / n)``) so an accuracy of exactly 0.3 lands in
(0.2, 0.3] without floating-point doubt.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from passbound.metrics._counts import frame, model_order
from passbound.metrics.counts import ProblemCounts
from passbound.types import ModelRecord

COLUMNS = ["model", "benchmark", "bin", "lo", "hi", "n_problems", "fraction"]


def _tenth(i: int) -> str:
    return "1" if i == 10 else "0" if i == 0 else f"0.{i}"


# (label, lo, hi) for the 12 bins, in order.
BINS: list[tuple[str, float, float]] = (
    [("0", 0.0, 0.0)]
    + [(f"({_tenth(i)},{_tenth(i + 1)}]", i / 10, (i + 1) / 10) for i in range(9)]
    + [("(0.9,1)", 0.9, 1.0), ("1", 1.0, 1.0)]
)


def accuracy_bin(n: npt.ArrayLike, c: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Bin index (0..11, into ``BINS``) of accuracy c/n for each problem."""
    n_arr, c_arr = np.asarray(n, dtype=np.int64), np.asarray(c, dtype=np.int64)
    tenths = (10 * c_arr + n_arr - 1) // np.maximum(n_arr, 1)  # ceil(10 c / n), in 1..10 for 0<c<n
    return np.where(c_arr <= 0, 0, np.where(c_arr >= n_arr, 11, tenths)).astype(np.int64)


def accuracy_histogram(counts: ProblemCounts, models: Sequence[ModelRecord]) -> pd.DataFrame:
    """The ``accuracy_hist`` table: 12 rows (every bin, empty ones too) per model x benchmark."""
    rows: list[dict[str, Any]] = []
    for model in model_order(models, counts.models):
        for bench in counts.benchmarks:
            g = counts.get(model, bench)
            if g is None:
                continue
            hist = np.bincount(accuracy_bin(g.n, g.c), minlength=len(BINS))
            total = int(hist.sum())
            for (label, lo, hi), k in zip(BINS, hist):
                rows.append(
                    dict(model=model, benchmark=bench, bin=label, lo=lo, hi=hi, n_problems=int(k), fraction=k / total)
                )
    return frame(rows, COLUMNS, ints={"n_problems"}, strings={"model", "benchmark", "bin"})
