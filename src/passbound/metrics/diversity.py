"""Answer diversity: how many distinct final answers a model gives per problem.

A model that RL has sharpened tends to repeat one answer across its n samples (Yue et al., 2025,
§4: RL narrows the output distribution), so the number of distinct extracted answers per
problem falls while pass@1 rises. Answers are compared after the same normalisation majority
voting uses (:func:`passbound.metrics.majority.normalise_answer`, counted once in the answer
groups of :mod:`passbound.metrics.counts`); samples with no answer do not count as an answer.
"Distinct correct" counts distinct answers among passing samples (more than one means several
surface forms of the right answer, or a verifier that accepts several).
"""

from __future__ import annotations

import pandas as pd

from passbound.metrics.counts import ProblemCounts, build_counts

COLUMNS = (
    "model",
    "benchmark",
    "n_problems",
    "n_samples",
    "mean_distinct",
    "median_distinct",
    "mean_distinct_frac",
    "mean_distinct_correct",
    "n_problems_with_correct",
    "no_answer_rate",
)
_PER_PROBLEM = {
    "n": "n_samples",
    "n_answers": "n_distinct",
    "c": "n_correct",
    "n_correct_answers": "n_distinct_correct",
    "n_no_answer": "n_no_answer",
}


def distinct_per_problem(counts: pd.DataFrame | ProblemCounts) -> pd.DataFrame:
    """One row per (model, benchmark, problem), in the order the verdicts list them: samples,
    distinct answers, distinct correct answers, samples with no answer. ``counts``: the counts
    kernel with answer groups, or a verdicts table to count."""
    if isinstance(counts, pd.DataFrame):
        counts = build_counts(counts)
    table = counts.table("first_row")
    return table[["model", "benchmark", "problem_id", *_PER_PROBLEM]].rename(columns=_PER_PROBLEM)


def diversity_table(counts: pd.DataFrame | ProblemCounts) -> pd.DataFrame:
    """Per model and benchmark: mean/median distinct answers per problem, their share of the
    samples, distinct answers among correct samples (over problems with a pass), no-answer rate."""
    per = distinct_per_problem(counts)
    rows = []
    for (model, bench), g in per.groupby(["model", "benchmark"], sort=False):
        solved = g[g["n_correct"] > 0]
        rows.append(
            {
                "model": model,
                "benchmark": bench,
                "n_problems": len(g),
                "n_samples": int(g["n_samples"].sum()),
                "mean_distinct": float(g["n_distinct"].mean()),
                "median_distinct": float(g["n_distinct"].median()),
                "mean_distinct_frac": float((g["n_distinct"] / g["n_samples"]).mean()),
                "mean_distinct_correct": float(solved["n_distinct_correct"].mean()) if len(solved) else float("nan"),
                "n_problems_with_correct": len(solved),
                "no_answer_rate": float(g["n_no_answer"].sum() / g["n_samples"].sum()),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))
