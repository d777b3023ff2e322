"""Support expansion and shrinkage of a trained model relative to its base.

Beyond the study: Yue et al. (2025) report the solvable-set overlap once per benchmark; here
each problem the model and its base share is classified (solvable = a pass among all n
samples, i.e. k = n):

- ``preserved``: both solve it;  ``expansion``: only the model does (new capability);
- ``shrinkage``: only the base does (capability lost);  ``neither``.

The vocabulary follows the "empirical support" view of RLVR (Wu et al. 2025, "The Invisible
Leash: Why RLVR May or May Not Escape Its Origin", arXiv:2507.14843): RLVR that only re-weights
the base distribution can shrink its support but not expand it.
Rates are fractions of the shared problems, with percentile bootstrap CIs over problems (one
paired resample for both rates). The CI covers which problems were drawn, not the chance that
n samples missed a rare solution: a problem the base solves with probability 1e-4 usually looks
like ``expansion`` at n = 1024, so read small expansion counts with the per-problem accuracies
in ``support_problems``.

The Invisible Leash's four summary metrics (Wu et al. 2025, §3), from the counts P (preserved),
E (expansion) and S (shrinkage); NaN where a denominator is 0:

- support retention rate  SRR  = P / (P + S): the share of the base's solved set the model keeps;
- new discovery rate      NDR  = E / (P + E): the share of the model's solved set that is new;
- net support change      NSCR = (E − S) / (P + E + S): > 0 the union grew on the model's side;
- support dynamics score  SDS  = 2 · SRR · NDR / (SRR + NDR): retaining and discovering at once.

Totals: a model compared on more than one benchmark also gets a row with benchmark ``(all)``
(not a valid benchmark name, so it cannot clash) pooling every shared problem, with its CIs
bootstrapped over that pool: the one-line answer for a whole study.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from passbound.metrics._counts import frame, non_base_with_base
from passbound.metrics.bootstrap import bootstrap_ci
from passbound.metrics.counts import ProblemCounts, shared
from passbound.types import ModelRecord

SUPPORT_COLUMNS = [
    "benchmark",
    "model",
    "base_model",
    "n_problems",
    "n_preserved",
    "n_expansion",
    "n_shrinkage",
    "n_neither",
    "expansion_rate",
    "expansion_ci_low",
    "expansion_ci_high",
    "shrinkage_rate",
    "shrinkage_ci_low",
    "shrinkage_ci_high",
    "support_retention_rate",
    "new_discovery_rate",
    "net_support_change",
    "support_dynamics_score",
]
PROBLEM_COLUMNS = [
    "benchmark",
    "model",
    "base_model",
    "problem_id",
    "class",
    "model_acc",
    "base_acc",
    "model_n",
    "base_n",
]
CLASSES = ("preserved", "expansion", "shrinkage", "neither")
_STRINGS = {"benchmark", "model", "base_model", "problem_id", "class"}
ALL = "(all)"  # the benchmark label of the pooled totals rows


def support_tables(
    counts: ProblemCounts, models: Sequence[ModelRecord], *, n_boot: int = 1000, ci: float = 0.95, seed: int = 0
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``support`` table (counts and rates per benchmark and model) and ``support_problems``
    (one row per shared problem with its class and both accuracies)."""
    summary: list[dict[str, Any]] = []
    problems: list[pd.DataFrame] = []
    pooled: dict[tuple[str, str], list[np.ndarray]] = {}
    for bench in counts.benchmarks:
        for model, base in non_base_with_base(models):
            a, b = counts.get(model, bench), counts.get(base, bench)
            if a is None or b is None:
                continue
            common, ca, cb = shared(a, b)
            if common.size == 0:
                continue
            sa, sb = ca.c > 0, cb.c > 0
            cls = np.where(sa & sb, 0, np.where(sa, 1, np.where(sb, 2, 3)))
            pooled.setdefault((model, base), []).append(cls)
            summary.append(_summary_row(bench, model, base, cls, n_boot, ci, seed))
            problems.append(
                pd.DataFrame(
                    {
                        "benchmark": bench,
                        "model": model,
                        "base_model": base,
                        "problem_id": counts.ids[common],
                        "class": np.asarray(CLASSES, dtype=object)[cls],
                        "model_acc": ca.c / ca.n,
                        "base_acc": cb.c / cb.n,
                        "model_n": ca.n,
                        "base_n": cb.n,
                    }
                )
            )
    for (model, base), parts in pooled.items():
        if len(parts) > 1:
            summary.append(_summary_row(ALL, model, base, np.concatenate(parts), n_boot, ci, seed))
    ints = {"n_problems"} | {f"n_{c}" for c in CLASSES}
    table = frame(summary, SUPPORT_COLUMNS, ints=ints, strings=_STRINGS)
    per_problem = frame([], PROBLEM_COLUMNS, ints={"model_n", "base_n"}, strings=_STRINGS)
    if problems:
        per_problem = pd.concat(problems, ignore_index=True)[PROBLEM_COLUMNS]
        per_problem[["model_n", "base_n"]] = per_problem[["model_n", "base_n"]].astype("Int64")
    return table, per_problem


def _summary_row(
    bench: str, model: str, base: str, cls: np.ndarray, n_boot: int, ci: float, seed: int
) -> dict[str, Any]:
    """Counts per class and expansion / shrinkage rates with a bootstrap CI over problems."""
    n_cls = np.bincount(cls, minlength=4)
    indicators = np.stack([cls == 1, cls == 2], axis=1).astype(np.float64)
    low, high = bootstrap_ci(indicators, n_boot, ci, seed)
    rate = indicators.mean(axis=0)
    dynamics = support_dynamics(int(n_cls[0]), int(n_cls[1]), int(n_cls[2]))
    return dict(
        benchmark=bench,
        model=model,
        base_model=base,
        n_problems=int(cls.size),
        **{f"n_{name}": int(k) for name, k in zip(CLASSES, n_cls)},
        expansion_rate=rate[0],
        expansion_ci_low=low[0],
        expansion_ci_high=high[0],
        shrinkage_rate=rate[1],
        shrinkage_ci_low=low[1],
        shrinkage_ci_high=high[1],
        **dynamics,
    )


def support_dynamics(preserved: int, expansion: int, shrinkage: int) -> dict[str, float]:
    """SRR, NDR, NSCR and SDS (Wu et al. 2025) from the class counts; NaN on an empty denominator."""

    def ratio(num: float, den: float) -> float:
        return num / den if den > 0 else float("nan")

    srr = ratio(preserved, preserved + shrinkage)
    ndr = ratio(expansion, preserved + expansion)
    nscr = ratio(expansion - shrinkage, preserved + expansion + shrinkage)
    sds = ratio(2 * srr * ndr, srr + ndr) if not (np.isnan(srr) or np.isnan(ndr)) else float("nan")
    return dict(support_retention_rate=srr, new_discovery_rate=ndr, net_support_change=nscr, support_dynamics_score=sds)
