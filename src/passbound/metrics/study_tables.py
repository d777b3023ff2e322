"""From verdicts to the study's tables: pass@k curves with CIs, ΔSE, paired differences,
crossover points, maj@k and a per-(model, benchmark) summary (Yue et al. 2025, §2-3).

Only ``status == "pass"`` counts as correct; timeouts, errors and missing answers are failures
(and are counted separately in the summary). A problem's n is its number of verdict rows.
Problems are matched across models by (benchmark, problem_id); comparisons between two models
use only the problems both have.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from passbound.errors import DataError
from passbound.metrics._counts import k_max as grid_k_max
from passbound.metrics.bootstrap import bootstrap_ci, paired_bootstrap_diff
from passbound.metrics.counts import Group, ProblemCounts, build_counts
from passbound.metrics.crossover import Crossing, crossover_interval
from passbound.metrics.majority import maj_at_k_matrix
from passbound.metrics.passk import pass_at_k_matrix
from passbound.types import STATUSES, ModelRecord

COLUMNS: dict[str, list[str]] = {
    "passk": ["model", "role", "benchmark", "k", "pass_at_k", "ci_low", "ci_high", "n_problems", "n_samples"],
    "delta_se": [
        "benchmark",
        "rl_model",
        "base_model",
        "k_max",
        "base_pass_at_kmax",
        "rl_pass_at_1",
        "delta_se",
        "ci_low",
        "ci_high",
    ],
    "paired": ["benchmark", "model", "reference", "k", "diff", "ci_low", "ci_high"],
    "crossover": [
        "benchmark",
        "model",
        "base_model",
        "crossover_k",
        "model_wins_at_1",
        "base_wins_at_kmax",
        "crossover_ci_low",
        "crossover_ci_high",
        "crossing_share",
    ],
    "majk": ["model", "benchmark", "k", "maj_at_k"],
    "summary": [
        "model",
        "role",
        "step",
        "benchmark",
        "n_problems",
        "n_samples",
        "pass_at_1",
        "pass_at_kmax",
        "k_max",
        "maj_at_kmax",
    ]
    + [f"n_{s}" for s in STATUSES],
}
_INT_COLUMNS = {
    "k",
    "n_problems",
    "n_samples",
    "k_max",
    "step",
    "crossover_k",
    "crossover_ci_low",
    "crossover_ci_high",
} | {f"n_{s}" for s in STATUSES}
_BOOL_COLUMNS = {"model_wins_at_1", "base_wins_at_kmax"}
_TIE_TOL = 1e-12  # pass@k values closer than this count as equal (crossover: base >= model)


@dataclass
class _Curves:
    """One (model, benchmark): per-problem pass@k [P, K], pass@1 [P] and maj@k over problems [K]."""

    group: Group
    per_problem: npt.NDArray[np.float64]
    pass1: npt.NDArray[np.float64]
    maj: npt.NDArray[np.float64]
    error: npt.NDArray[np.float64] | None = None  # [K] adaptive runs: mean squared error vs the full budget


def analyse_verdicts(
    verdicts: pd.DataFrame,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    maj_draws: int = 32,
    adaptive_first: int | None = None,
) -> dict[str, pd.DataFrame]:
    """``analyse_counts`` of a verdicts table (one row per completion), counted here."""
    return analyse_counts(
        build_counts(verdicts, first=adaptive_first),
        models,
        k_grid,
        n_boot=n_boot,
        ci=ci,
        seed=seed,
        maj_draws=maj_draws,
    )


def analyse_counts(
    counts: ProblemCounts,
    models: Sequence[ModelRecord],
    k_grid: Sequence[int],
    *,
    n_boot: int = 1000,
    ci: float = 0.95,
    seed: int = 0,
    maj_draws: int = 32,
) -> dict[str, pd.DataFrame]:
    """Compute the tables ``passk``, ``delta_se``, ``paired``, ``crossover``, ``majk``, ``summary``
    from the counts kernel (``passbound.metrics.counts.build_counts`` of the verdicts).

    ``models``: dicts with ``name``, ``role``, ``step`` and ``base`` (the base model's name or
    None); models seen in the verdicts but not listed get role "other" and no base. ``maj_draws``
    is the number of Monte-Carlo subsets per problem for maj@k (see ``passbound.metrics.majority``).
    Bootstrap CIs are percentile intervals at level ``ci`` over problems, ``n_boot`` resamples.
    ``counts.first`` set: the run sampled adaptively with this many samples per problem in round
    one; per-problem pass@k then comes from ``passbound.metrics.adaptive.mixed_pass_at_k`` and its
    error as a prediction of the full budget's curve (``prediction_error``) widens the CI (added
    in quadrature).
    Problems are taken in the order the verdicts list them (``Group.ordered("seen")``): the
    bootstrap resamples them by position.
    """
    ks = sorted({int(k) for k in k_grid})
    if not ks or ks[0] < 1:
        raise ValueError(f"k_grid must hold integers >= 1, got {list(k_grid)}")
    if not counts.answers:
        raise DataError("maj@k needs the answer groups: build the counts with answers=True (an 'extracted' column)")
    adaptive_first = counts.first
    meta = {m["name"]: m for m in models}
    curves: dict[tuple[str, str], _Curves] = {}
    for g in (group.ordered("seen") for group in counts.groups.values()):
        maj = maj_at_k_matrix(g.answers, g.n, g.answer_correct, ks, draws=maj_draws, seed=seed)
        error = None
        if adaptive_first is not None:
            from passbound.metrics.adaptive import mixed_pass_at_k, prediction_error

            per_problem, _ = mixed_pass_at_k(g.n, g.c, ks, n0=adaptive_first, c0=g.c_first)
            error = prediction_error(g.n, g.c, ks, per_problem, n0=adaptive_first, c0=g.c_first)
        else:
            per_problem = pass_at_k_matrix(g.n, g.c, ks)
        curves[(g.model, g.benchmark)] = _Curves(
            group=g,
            error=error,
            per_problem=per_problem,
            pass1=g.c / g.n,
            maj=maj.mean(axis=0),  # NaN at k where some problem has fewer than k samples
        )

    listed = [m["name"] for m in models]
    model_order = listed + sorted({m for m, _ in curves} - set(listed))
    keys = sorted(curves, key=lambda mb: (model_order.index(mb[0]), mb[1]))
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in COLUMNS}
    for model, bench in keys:
        _model_rows(rows, curves[(model, bench)], meta.get(model) or ModelRecord(name=model), ks, n_boot, ci, seed)
    for model, bench in keys:
        info = meta.get(model) or ModelRecord(name=model)
        base = info.get("base")
        if info.get("role", "other") == "base" or base is None or (base, bench) not in curves:
            continue
        _comparison_rows(rows, curves[(model, bench)], curves[(base, bench)], ks, n_boot, ci, seed)
    return {name: _frame(rows[name], cols) for name, cols in COLUMNS.items()}


def _reach(cv: _Curves) -> int:
    """Largest k every problem has an estimate for: its fewest samples, or with adaptive sampling
    (posterior estimates where samples are short) its most."""
    return int(cv.group.n.max()) if cv.error is not None else int(cv.group.n.min())


def _model_rows(
    rows: dict[str, list[dict[str, Any]]],
    cv: _Curves,
    info: ModelRecord,
    ks: list[int],
    n_boot: int,
    ci: float,
    seed: int,
) -> None:
    g = cv.group
    role = info.get("role", "other")
    n_min = _reach(cv)
    mean = cv.per_problem.mean(axis=0)
    low, high = bootstrap_ci(cv.per_problem, n_boot, ci, seed)
    if cv.error is not None:
        from passbound.metrics.adaptive import widen

        low, high = widen(mean, low, high, cv.error, ci)
    for i, k in enumerate(ks):
        rows["passk"].append(
            dict(
                model=g.model,
                role=role,
                benchmark=g.benchmark,
                k=k,
                pass_at_k=mean[i],
                ci_low=low[i],
                ci_high=high[i],
                n_problems=g.n.size,
                n_samples=n_min,
            )
        )
        rows["majk"].append(dict(model=g.model, benchmark=g.benchmark, k=k, maj_at_k=cv.maj[i]))
    k_max = grid_k_max(ks, n_min)
    at_max = ks.index(k_max) if k_max is not None else None
    rows["summary"].append(
        dict(
            model=g.model,
            role=role,
            step=info.get("step"),
            benchmark=g.benchmark,
            n_problems=g.n.size,
            n_samples=n_min,
            pass_at_1=float(cv.pass1.mean()),
            pass_at_kmax=mean[at_max] if at_max is not None else np.nan,
            k_max=k_max,
            maj_at_kmax=cv.maj[at_max] if at_max is not None else np.nan,
            **{f"n_{s}": g.status_counts[s] for s in STATUSES},
        )
    )


def _comparison_rows(
    rows: dict[str, list[dict[str, Any]]],
    model: _Curves,
    base: _Curves,
    ks: list[int],
    n_boot: int,
    ci: float,
    seed: int,
) -> None:
    """ΔSE, paired differences and crossover of ``model`` against ``base`` on shared problems."""
    gm, gb = model.group, base.group
    _, im, ib = np.intersect1d(gm.seen, gb.seen, assume_unique=True, return_indices=True)
    bench, name, ref = gm.benchmark, gm.model, gb.model
    if im.size == 0:
        return
    pm, pb = model.per_problem[im], base.per_problem[ib]
    diff, low, high = paired_bootstrap_diff(pm, pb, n_boot, ci, seed)
    for i, k in enumerate(ks):
        rows["paired"].append(
            dict(benchmark=bench, model=name, reference=ref, k=k, diff=diff[i], ci_low=low[i], ci_high=high[i])
        )

    k_max = grid_k_max(ks, min(_reach(model), _reach(base)))
    p1m, p1b = model.pass1[im], base.pass1[ib]
    if k_max is None:
        base_kmax, dse, d_low, d_high = np.nan, np.nan, np.nan, np.nan
    else:
        col = pb[:, ks.index(k_max)]
        base_kmax = float(col.mean())
        d, lo, hi = paired_bootstrap_diff(col, p1m, n_boot, ci, seed)
        dse, d_low, d_high = float(d[0]), float(lo[0]), float(hi[0])
    rows["delta_se"].append(
        dict(
            benchmark=bench,
            rl_model=name,
            base_model=ref,
            k_max=k_max,
            base_pass_at_kmax=base_kmax,
            rl_pass_at_1=float(p1m.mean()),
            delta_se=dse,
            ci_low=d_low,
            ci_high=d_high,
        )
    )

    mean_m, mean_b = pm.mean(axis=0), pb.mean(axis=0)
    # First k where the curves' order at the first k flips (None: one curve leads at every k),
    # with a bootstrap interval over the shared problems.
    valid = ~np.isnan(mean_m) & ~np.isnan(mean_b)
    crossing = (
        crossover_interval(
            [k for k, v in zip(ks, valid) if v], pm[:, valid], pb[:, valid], n_boot=n_boot, ci=ci, seed=seed
        )
        if valid.any()
        else Crossing(None, None, None, np.nan)
    )
    base_wins = False
    if k_max is not None:
        j = ks.index(k_max)
        base_wins = bool(mean_b[j] > mean_m[j] + _TIE_TOL)
    rows["crossover"].append(
        dict(
            benchmark=bench,
            model=name,
            base_model=ref,
            crossover_k=crossing.k,
            model_wins_at_1=bool(p1m.mean() > p1b.mean() + _TIE_TOL),
            base_wins_at_kmax=base_wins,
            crossover_ci_low=crossing.low,
            crossover_ci_high=crossing.high,
            crossing_share=crossing.share,
        )
    )


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pd.DataFrame:
    """Rows -> DataFrame with the exact column order; nullable ints so missing k stays NA."""
    df = pd.DataFrame(rows, columns=columns)
    for col in columns:
        if col in _INT_COLUMNS:
            df[col] = pd.array(
                [None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v) for v in df[col]],
                dtype="Int64",
            )
        elif col in _BOOL_COLUMNS:
            df[col] = df[col].astype(bool)
        elif col in {"model", "role", "benchmark", "rl_model", "base_model", "reference"}:
            df[col] = df[col].astype(object)
        else:
            df[col] = df[col].astype(np.float64)
    return df
