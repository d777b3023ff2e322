"""The reasoning-boundary analyses beyond pass@k curves, as one call for the analyse stage.

``boundary_tables`` derives every table from the counts kernel (``passbound.metrics.counts``:
samples and passes per (model, benchmark, problem), counted once per analyse run):

- ``overlap``: solvable-set overlap at k = n between every two models (base pairs first)
  (``passbound.metrics.overlap``; Yue et al. 2025, §3.3);
- ``accuracy_hist``: per-problem accuracy histograms (``histogram``; the study's Fig. 5);
- ``series`` and ``algorithms``: checkpoints along training and the RL-algorithm table
  (``series``; §4.3-4.4);
- ``support`` and ``support_problems``: per-problem expansion / shrinkage vs the base, with
  ``(all)`` totals over benchmarks (``support``; beyond the study).

Every table comes back with its columns even when there is nothing to put in it (no verdicts,
one model, no checkpoints), so the stage can always write each CSV.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from passbound.metrics.counts import ProblemCounts, build_counts
from passbound.metrics.histogram import COLUMNS as HIST_COLUMNS
from passbound.metrics.histogram import accuracy_histogram
from passbound.metrics.overlap import COLUMNS as OVERLAP_COLUMNS
from passbound.metrics.overlap import solvable_overlap
from passbound.metrics.series import (
    ALGORITHM_COLUMNS,
    SERIES_COLUMNS,
    algorithm_table,
    training_series,
)
from passbound.metrics.support import PROBLEM_COLUMNS, SUPPORT_COLUMNS, support_tables
from passbound.types import ModelRecord

__all__ = ["BOUNDARY_COLUMNS", "ProblemCounts", "analyse_boundary", "boundary_tables", "problem_counts"]

BOUNDARY_COLUMNS: dict[str, list[str]] = {
    "overlap": OVERLAP_COLUMNS,
    "accuracy_hist": HIST_COLUMNS,
    "series": SERIES_COLUMNS,
    "algorithms": ALGORITHM_COLUMNS,
    "support": SUPPORT_COLUMNS,
    "support_problems": PROBLEM_COLUMNS,
}


def problem_counts(verdicts: pd.DataFrame) -> ProblemCounts:
    """n and c per (model, benchmark, problem): the counts kernel without answer groups."""
    return build_counts(verdicts, answers=False)


def analyse_boundary(
    verdicts: pd.DataFrame,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """``boundary_tables`` of a verdicts table (one row per verified completion), counted here."""
    return boundary_tables(problem_counts(verdicts), models, k_grid, n_boot=n_boot, ci=ci, seed=seed)


def boundary_tables(
    counts: ProblemCounts,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
) -> dict[str, pd.DataFrame]:
    """Compute ``overlap``, ``accuracy_hist``, ``series``, ``algorithms``, ``support`` and
    ``support_problems`` from the counts kernel of the verdicts.

    ``models``: dicts with ``name``, ``role``, ``step`` and ``base`` as for
    ``analyse_verdicts``. Only ``status == "pass"`` counts as correct. Bootstrap CIs are
    percentile intervals at level ``ci`` over problems with ``n_boot`` resamples from ``seed``.
    """
    ks = sorted({int(k) for k in k_grid})
    if not ks or ks[0] < 1:
        raise ValueError(f"k_grid must hold integers >= 1, got {list(k_grid)}")
    support, support_problems = support_tables(counts, models, n_boot=n_boot, ci=ci, seed=seed)
    return {
        "overlap": solvable_overlap(counts, models),
        "accuracy_hist": accuracy_histogram(counts, models),
        "series": training_series(counts, models, ks, n_boot=n_boot, ci=ci, seed=seed),
        "algorithms": algorithm_table(counts, models, ks, n_boot=n_boot, ci=ci, seed=seed),
        "support": support,
        "support_problems": support_problems,
    }
